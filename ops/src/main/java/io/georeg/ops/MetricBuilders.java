package io.georeg.ops;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;

/**
 * Where georeg's counters and histograms start: the client library's builders with exemplars
 * off. An exemplar ties a sample to the trace that was current when it was observed; georeg starts
 * no traces and serves the Prometheus text format, which carries no exemplars, so they were never
 * seen. Yet every counter and histogram sampled them: its first observation in each 90 ms window
 * took a compare-and-set and scheduled a task on the library's scheduler thread to reopen the
 * window, a wake-up about eleven times a second per busy series. In a profile of the router
 * proxying manifest reads that thread alone was 2% of the process's CPU (docs/benchmarks.md).
 * Every counter and histogram of georeg's own is built here ({@code MetricBuildersTest} checks the
 * sources), so the choice is made once.
 */
public final class MetricBuilders {
    private MetricBuilders() {}

    public static Counter.Builder counter() {
        return Counter.builder().withoutExemplars();
    }

    public static Histogram.Builder histogram() {
        return Histogram.builder().withoutExemplars();
    }
}
