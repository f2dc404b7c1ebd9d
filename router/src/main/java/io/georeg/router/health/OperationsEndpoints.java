package io.georeg.router.health;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The router's own endpoints (the {@code LOCAL} routes): {@code /-/health} answers 200 while the
 * process serves; {@code /-/ready} answers 200 when the replica is reachable (reads can be
 * served), else 503, with both upstreams' state in the body; {@code /metrics} is the Prometheus
 * text exposition of the registry the app passed in; any other local path (the status page,
 * {@code /-/status}) goes to the {@code pages} handler the app gives, 404 without one.
 */
public final class OperationsEndpoints {
    private final CircuitBreaker primary;
    private final CircuitBreaker replica;
    private final PrometheusRegistry registry;
    private final Handler pages;
    private final PrometheusTextFormatWriter writer = new PrometheusTextFormatWriter(false);

    public OperationsEndpoints(CircuitBreaker primary, CircuitBreaker replica, PrometheusRegistry registry) {
        this(primary, replica, registry, null);
    }

    /** @param pages serves the other LOCAL paths (e.g. the status page); null answers them 404 */
    public OperationsEndpoints(CircuitBreaker primary, CircuitBreaker replica, PrometheusRegistry registry, Handler pages) {
        this.primary = primary;
        this.replica = replica;
        this.registry = registry;
        this.pages = pages;
    }

    public void handle(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getPath();
        switch (path) {
            case "/-/health" -> json(response, callback, 200, "{\"status\":\"ok\"}");
            case "/-/ready" -> {
                boolean ready = !replica.isOpen();
                json(response, callback, ready ? 200 : 503, "{\"ready\":" + ready
                        + ",\"primary\":\"" + (primary.isOpen() ? "unreachable" : "reachable")
                        + "\",\"replica\":\"" + (replica.isOpen() ? "unreachable" : "reachable") + "\"}");
            }
            case "/metrics" -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                writer.write(out, registry.scrape());
                send(response, callback, 200, writer.getContentType(), out.toByteArray());
            }
            default -> {
                if (pages == null || !pages.handle(request, response, callback)) {
                    json(response, callback, 404, "{\"error\":\"not served by this router: " + path + "\"}");
                }
            }
        }
    }

    private static void json(Response response, Callback callback, int status, String body) {
        send(response, callback, status, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(Response response, Callback callback, int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
