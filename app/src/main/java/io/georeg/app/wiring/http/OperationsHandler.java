package io.georeg.app.wiring.http;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The operations endpoints of a component's HTTP port (registry-read's, the replicator's; the
 * router has its own, in its route table): {@code GET /-/health} answers 200 while the process
 * serves; {@code GET /-/ready} answers 200 when every named dependency check passes, else 503,
 * with each check's result in the JSON body; {@code GET /metrics} is the Prometheus text
 * exposition of the process's one registry. Declines every other request, so it sits first in a
 * {@code Handler.Sequence} before the component's own handler. Built by {@link ComponentHttpServer}.
 */
public final class OperationsHandler extends Handler.Abstract {
    private final PrometheusRegistry registry;
    private final Map<String, BooleanSupplier> readiness;
    private final PrometheusTextFormatWriter writer = new PrometheusTextFormatWriter(false);

    /** @param readiness dependency name → whether it is reachable now, e.g. {@code "database"} */
    public OperationsHandler(PrometheusRegistry registry, Map<String, BooleanSupplier> readiness) {
        this.registry = registry;
        this.readiness = new LinkedHashMap<>(readiness);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
            return false;
        }
        switch (path) {
            case "/-/health" -> send(response, callback, 200, "application/json", "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8));
            case "/-/ready" -> ready(response, callback);
            case "/metrics" -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                writer.write(out, registry.scrape());
                send(response, callback, 200, writer.getContentType(), out.toByteArray());
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private void ready(Response response, Callback callback) {
        StringBuilder body = new StringBuilder();
        boolean ready = true;
        for (Map.Entry<String, BooleanSupplier> check : readiness.entrySet()) {
            boolean ok = check.getValue().getAsBoolean();
            ready &= ok;
            body.append(",\"").append(check.getKey()).append("\":\"").append(ok ? "reachable" : "unreachable").append('"');
        }
        send(response, callback, ready ? 200 : 503, "application/json",
                ("{\"ready\":" + ready + body + "}").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(Response response, Callback callback, int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
