package io.georeg.read.server;

import io.georeg.ops.MetricBuilders;
import io.georeg.read.api.WholeBlobCheck;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * registry-read's own request metrics, by the kind of OCI distribution endpoint a path names
 * (spec "Endpoints": {@code base}, {@code catalog}, {@code tags}, {@code manifest}, {@code blob},
 * {@code referrers}, else {@code other}): requests by method and status, their duration to the
 * last byte, and the bytes sent; whole blob GETs by how their bytes were checked
 * ({@link WholeBlobCheck}, which the blob endpoint leaves on the request). One instance per registry ({@link #of}): registry-read's own
 * port and the router that hosts it in process wrap their handlers with the same metrics.
 */
public final class ReadMetrics {
    private static final Map<PrometheusRegistry, ReadMetrics> BY_REGISTRY = new WeakHashMap<>();
    /** Every {@code endpoint} label {@link #endpoint} answers. */
    static final List<String> ENDPOINTS = List.of("base", "catalog", "tags", "manifest", "blob", "referrers", "other");

    private final Counter requests;
    private final Histogram duration;
    private final Counter bytes;
    private final Counter wholeBlobGets;

    private ReadMetrics(PrometheusRegistry registry) {
        requests = MetricBuilders.counter()
                .name("georeg_read_requests_total")
                .help("Requests answered by registry-read, by endpoint kind, method and status")
                .labelNames("endpoint", "method", "status")
                .register(registry);
        duration = MetricBuilders.histogram()
                .name("georeg_read_request_duration_seconds")
                .help("Time from a registry-read request to its last byte sent, by endpoint kind")
                .labelNames("endpoint")
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
                .register(registry);
        bytes = MetricBuilders.counter()
                .name("georeg_read_sent_bytes_total")
                .help("Response body bytes registry-read sent, by endpoint kind")
                .labelNames("endpoint")
                .register(registry);
        wholeBlobGets = MetricBuilders.counter()
                .name("georeg_read_whole_blob_gets_total")
                .help("Whole blob GETs registry-read answered, by how their bytes were checked: hashed,"
                        + " verified_before (sent unhashed, the file verified before), never, object_store")
                .labelNames("check")
                .register(registry);
        // The closed label sets at 0 from the start, so that a rate or an increase sees their first
        // requests after a start; requests by status are born with their status (an open set).
        for (String endpoint : ENDPOINTS) {
            duration.labelValues(endpoint);
            bytes.labelValues(endpoint);
        }
        for (WholeBlobCheck check : WholeBlobCheck.values()) {
            wholeBlobGets.labelValues(check.label());
        }
    }

    /** The instance for this registry, registering its metrics on first use. */
    public static synchronized ReadMetrics of(PrometheusRegistry registry) {
        return BY_REGISTRY.computeIfAbsent(registry, ReadMetrics::new);
    }

    /** {@code handler} with every request it completes counted. */
    public Handler wrap(Handler handler) {
        return new Handler.Wrapper(handler) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String endpoint = endpoint(Request.getPathInContext(request));
                long start = System.nanoTime();
                return super.handle(request, response, new Counted(callback, request, response, endpoint, start));
            }
        };
    }

    /** The endpoint kind of a path, by the spec's path grammar (names may contain "blobs" or "tags" as components). */
    static String endpoint(String path) {
        if (path == null || !path.startsWith("/v2/")) {
            return "other";
        }
        if (path.equals("/v2/")) {
            return "base";
        }
        if (path.equals("/v2/_catalog")) {
            return "catalog";
        }
        if (path.endsWith("/tags/list")) {
            return "tags";
        }
        int manifests = path.lastIndexOf("/manifests/");
        int blobs = path.lastIndexOf("/blobs/");
        int referrers = path.lastIndexOf("/referrers/");
        int last = Math.max(manifests, Math.max(blobs, referrers));
        if (last < 0) {
            return "other";
        }
        return last == manifests ? "manifest" : last == blobs ? "blob" : "referrers";
    }

    private final class Counted implements Callback {
        private final Callback callback;
        private final Request request;
        private final Response response;
        private final String endpoint;
        private final long start;

        Counted(Callback callback, Request request, Response response, String endpoint, long start) {
            this.callback = callback;
            this.request = request;
            this.response = response;
            this.endpoint = endpoint;
            this.start = start;
        }

        private void count() {
            requests.labelValues(endpoint, request.getMethod(), Integer.toString(response.getStatus()))
                    .inc();
            duration.labelValues(endpoint).observe((System.nanoTime() - start) / 1e9);
            bytes.labelValues(endpoint).inc(Response.getContentBytesWritten(response));
            if (request.getAttribute(WholeBlobCheck.ATTRIBUTE) instanceof WholeBlobCheck check) {
                wholeBlobGets.labelValues(check.label()).inc();
            }
        }

        @Override
        public void succeeded() {
            count();
            callback.succeeded();
        }

        @Override
        public void failed(Throwable failure) {
            count();
            callback.failed(failure);
        }

        @Override
        public InvocationType getInvocationType() {
            return callback.getInvocationType();
        }
    }
}
