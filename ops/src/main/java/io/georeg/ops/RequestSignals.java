package io.georeg.ops;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The health signals a deploy gate reads, for one component's port: every request it answers
 * (not the operations endpoints: scrapes and probes would drown them) counted by status class in
 * {@code georeg_http_requests_total{component, code}} (request rate; 5xx over all is the error
 * ratio) and by apdex zone in {@code georeg_http_apdex_total{component, zone}}: the time to the
 * answer's status and headers (not the body: a 1 GiB blob is not slow because it is large) against
 * {@link ApdexThresholds}; a 5xx or an aborted answer frustrates. The outermost wrapper of each
 * component's handler tree (the router's, registry-read's and the replicator's ports); the chart's
 * recording rules and {@code georeg health} compute rate, error ratio and apdex from the two.
 */
public final class RequestSignals {
    private final Counter requests;
    private final Counter apdex;

    /** Registers the two counters on a process's registry; one instance per process. */
    public RequestSignals(PrometheusRegistry registry) {
        requests = MetricBuilders.counter()
                .name("georeg_http_requests_total")
                .help("Requests answered by a component (operations endpoints excepted), by status class (2xx, 3xx,"
                        + " 4xx, 5xx; an aborted answer counts as 5xx)")
                .labelNames("component", "code")
                .register(registry);
        apdex = MetricBuilders.counter()
                .name("georeg_http_apdex_total")
                .help("Requests by apdex zone: satisfied (answered within metrics.apdex.satisfied), tolerating"
                        + " (within metrics.apdex.tolerated), frustrated (slower, 5xx or aborted)")
                .labelNames("component", "zone")
                .register(registry);
    }

    /** Wraps {@code handler}, the whole tree of {@code component}'s port, counting what it answers. */
    public Handler wrap(String component, ApdexThresholds thresholds, Handler handler) {
        return new Counting(component, thresholds.validate(), handler);
    }

    private final class Counting extends Handler.Wrapper {
        private final long satisfiedNanos;
        private final long toleratedNanos;
        private final CounterDataPoint[] byClass = new CounterDataPoint[6];
        private final CounterDataPoint satisfied;
        private final CounterDataPoint tolerating;
        private final CounterDataPoint frustrated;

        Counting(String component, ApdexThresholds thresholds, Handler handler) {
            super(handler);
            this.satisfiedNanos = thresholds.satisfied().toNanos();
            this.toleratedNanos = thresholds.tolerated().toNanos();
            for (int c = 1; c <= 5; c++) {
                byClass[c] = requests.labelValues(component, c + "xx");
            }
            satisfied = apdex.labelValues(component, "satisfied");
            tolerating = apdex.labelValues(component, "tolerating");
            frustrated = apdex.labelValues(component, "frustrated");
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = Request.getPathInContext(request);
            if (path.startsWith("/-/") || path.equals("/metrics")) {
                return super.handle(request, response, callback);
            }
            long start = System.nanoTime();
            AtomicLong answered = new AtomicLong();
            Response timed = new Response.Wrapper(request, response) {
                @Override
                public void write(boolean last, ByteBuffer content, Callback written) {
                    answered.compareAndSet(0, System.nanoTime());
                    super.write(last, content, written);
                }
            };
            Callback counted = new Callback() {
                @Override
                public void succeeded() {
                    count(response.getStatus(), start, answered.get());
                    callback.succeeded();
                }

                @Override
                public void failed(Throwable failure) {
                    count(500, start, 0);
                    callback.failed(failure);
                }

                @Override
                public InvocationType getInvocationType() {
                    return callback.getInvocationType();
                }
            };
            return super.handle(request, timed, counted);
        }

        private void count(int status, long start, long answeredAt) {
            int statusClass = status / 100;
            byClass[statusClass >= 1 && statusClass <= 5 ? statusClass : 5].inc();
            long took = (answeredAt == 0 ? System.nanoTime() : answeredAt) - start;
            if (statusClass == 5) {
                frustrated.inc();
            } else if (took <= satisfiedNanos) {
                satisfied.inc();
            } else if (took <= toleratedNanos) {
                tolerating.inc();
            } else {
                frustrated.inc();
            }
        }
    }
}
