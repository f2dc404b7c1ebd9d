package io.georeg.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.tracer.common.SpanContext;
import io.prometheus.metrics.tracer.initializer.SpanContextSupplier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricBuildersTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** A trace that is always current and sampled: the library records an exemplar whenever it samples one. */
    private static final SpanContext ALWAYS_IN_A_TRACE = new SpanContext() {
        @Override
        public String getCurrentTraceId() {
            return "4bf92f3577b34da6a3ce929d0e0e4736";
        }

        @Override
        public String getCurrentSpanId() {
            return "00f067aa0ba902b7";
        }

        @Override
        public boolean isCurrentSpanSampled() {
            return true;
        }

        @Override
        public void markCurrentSpanAsExemplar() {}
    };

    @AfterEach
    void noTraceAnyMore() {
        SpanContextSupplier.setSpanContext(null);
    }

    @Test
    void countersAndHistogramsSampleNoExemplarsEvenInATrace() {
        SpanContextSupplier.setSpanContext(ALWAYS_IN_A_TRACE);
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter plain = Counter.builder().name("plain_total").register(registry);
        Counter counter = MetricBuilders.counter().name("georeg_total").register(registry);
        Histogram histogram =
                MetricBuilders.histogram().name("georeg_seconds").classicOnly().register(registry);

        plain.inc();
        counter.inc();
        histogram.observe(0.2);

        // The library's own builder records one here: the test would see an exemplar if there were one to see.
        assertThat(plain.collect().getDataPoints().get(0).getExemplar()).isNotNull();
        assertThat(counter.collect().getDataPoints().get(0).getExemplar()).isNull();
        assertThat(histogram.collect().getDataPoints().get(0).getExemplars().size())
                .isZero();
    }

    @Test
    void everyCounterAndHistogramOfGeoregIsBuiltHere() throws IOException {
        List<String> direct;
        try (Stream<Path> files = Files.walk(ROOT)) {
            direct = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> ROOT.relativize(p).toString().matches("[^/]+/src/main/java/.*"))
                    .filter(p -> !p.getFileName().toString().equals("MetricBuilders.java"))
                    .filter(p -> read(p).matches("(?s).*\\b(Counter|Histogram)\\.builder\\(.*"))
                    .map(p -> ROOT.relativize(p).toString())
                    .toList();
        }
        assertThat(ROOT.resolve("router/src/main/java")).isDirectory(); // the walk saw the modules
        assertThat(direct)
                .as("sources building a counter or histogram without MetricBuilders")
                .isEmpty();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
