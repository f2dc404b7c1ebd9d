package io.georeg.app.health;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code georeg health}: the deploy gate a pipeline (or {@code helm test}) runs after a step of a
 * rollout. Scrapes {@code /metrics} of each component URL given, at the start and the end of a
 * window, and judges error ratio, apdex, replication lag and failed work ({@link HealthGate});
 * exits {@value #HEALTHY} when every judged signal is within its threshold, {@value #UNHEALTHY}
 * when one is not, 1 when a component could not be scraped.
 */
@Command(
        name = "health",
        description = "Deploy gate: judge each component's error ratio and apdex, and replication lag and failed work,"
                + " over a window of its /metrics, against thresholds; non-zero exit when one is crossed.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every judged signal is within its threshold",
            "3:a threshold is crossed (the gate is closed)",
            "1:a component could not be scraped",
            "2:bad usage"
        })
public final class HealthCommand implements Callable<Integer> {
    static final int HEALTHY = 0;
    static final int UNHEALTHY = 3;

    @Option(
            names = "--url",
            required = true,
            paramLabel = "URL",
            description = "A component's HTTP base URL (its /metrics is read), e.g. http://georeg-router:5080; repeat"
                    + " for each component (URLs of one process are read once).")
    List<URI> urls = new ArrayList<>();

    @Option(
            names = "--window",
            defaultValue = "30s",
            description = "How long to observe (default ${DEFAULT-VALUE}); 0 judges the counters since each process"
                    + " started, and failed work as the items failed now.")
    Duration window;

    @Option(
            names = "--max-error-ratio",
            defaultValue = "0.01",
            description = "Largest 5xx share of requests (${DEFAULT-VALUE}).")
    double maxErrorRatio;

    @Option(names = "--min-apdex", defaultValue = "0.9", description = "Smallest apdex (${DEFAULT-VALUE}).")
    double minApdex;

    @Option(
            names = "--max-lag",
            defaultValue = "5m",
            description = "Largest age of the oldest pending replication item (${DEFAULT-VALUE}).")
    Duration maxLag;

    @Option(
            names = "--max-failed",
            defaultValue = "0",
            description = "Most replication items given up in the window (${DEFAULT-VALUE}).")
    long maxFailed;

    @Option(
            names = "--min-requests",
            defaultValue = "10",
            description = "Fewer requests than this in the window leave a component's error ratio and apdex unjudged"
                    + " (${DEFAULT-VALUE}).")
    long minRequests;

    @Option(names = "--json", description = "Print the verdict as JSON on stdout.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        HealthGate.Thresholds limits =
                new HealthGate.Thresholds(maxErrorRatio, minApdex, maxLag, maxFailed, minRequests);
        HealthGate.Verdict verdict;
        try (HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            Samples before = window.isZero() ? new Samples(List.of()) : scrape(http);
            if (!window.isZero()) {
                Thread.sleep(window.toMillis()); // the observation window itself, not a wait for a condition
            }
            verdict = HealthGate.judge(before, scrape(http), window, limits);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(json(verdict).toPrettyString());
        } else {
            text(verdict, out);
        }
        out.flush();
        return verdict.passed() ? HEALTHY : UNHEALTHY;
    }

    /**
     * Every URL's page, as one set of samples (each component labels its own), each process once:
     * every port of one process serves the same registry, so two URLs of a process that runs
     * several components (one per component, as the usage asks) would count each request twice,
     * and {@code --min-requests} would judge the doubled count. A process is known by its
     * {@code process_start_time_seconds} (milliseconds since the epoch).
     */
    private Samples scrape(HttpClient http) throws Exception {
        List<Samples.Sample> all = new ArrayList<>();
        Set<Double> processes = new HashSet<>();
        for (URI url : urls) {
            URI page = url.resolve("/metrics");
            HttpResponse<String> answer;
            try {
                answer = http.send(
                        HttpRequest.newBuilder(page)
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot read " + page + ": " + e, e);
            }
            if (answer.statusCode() != 200) {
                throw new IllegalStateException(page + " answered " + answer.statusCode());
            }
            List<Samples.Sample> samples = Samples.parse(answer.body()).samples();
            Optional<Double> started = samples.stream()
                    .filter(sample -> sample.name().equals("process_start_time_seconds"))
                    .map(Samples.Sample::value)
                    .findFirst();
            if (started.isEmpty() || processes.add(started.get())) {
                all.addAll(samples);
            }
        }
        return new Samples(all);
    }

    private static void text(HealthGate.Verdict verdict, PrintWriter out) {
        out.println("health over " + (verdict.window().isZero() ? "each process's lifetime" : verdict.window()) + ": "
                + (verdict.passed() ? "PASS" : "FAIL"));
        for (HealthGate.Signal s : verdict.signals()) {
            String limit = switch (s.name()) {
                case "error_ratio", "lag_seconds", "failed_work" -> " (max " + number(s.limit()) + ")";
                case "apdex" -> " (min " + number(s.limit()) + ")";
                default -> "";
            };
            String state = !s.judged()
                    ? (limit.isEmpty() ? "" : " not judged: too few requests")
                    : s.passed() ? " ok" : " FAIL";
            out.println("  " + s.component() + " " + s.name() + " " + number(s.value()) + limit + state);
        }
    }

    private static ObjectNode json(HealthGate.Verdict verdict) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("passed", verdict.passed());
        root.put("windowSeconds", verdict.window().toMillis() / 1000.0);
        ArrayNode signals = root.putArray("signals");
        for (HealthGate.Signal s : verdict.signals()) {
            ObjectNode n = signals.addObject();
            n.put("component", s.component());
            n.put("signal", s.name());
            n.put("value", s.value());
            n.put("limit", s.limit());
            n.put("judged", s.judged());
            n.put("passed", s.passed());
        }
        return root;
    }

    private static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4f", v);
    }
}
