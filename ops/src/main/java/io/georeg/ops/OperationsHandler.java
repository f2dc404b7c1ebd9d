package io.georeg.ops;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The operations endpoints of every georeg HTTP port (the router's, registry-read's, the
 * replicator's): {@code GET /-/health} answers 200 while the process serves; {@code GET /-/ready}
 * answers 200 when every {@linkplain Check#required() required} check passes, else 503, with each
 * check's state ({@code reachable} / {@code unreachable}, or a {@linkplain Check#state state}'s own
 * words) in the JSON body and {@code "degraded":true} when any check of a dependency fails (ready or
 * not); {@code GET /metrics}
 * is the Prometheus text exposition of the process's one registry. Declines every other request
 * ({@link #handle} returns false), so it sits first in a {@code Handler.Sequence} or is asked
 * first by a dispatcher. HEAD is answered like GET.
 */
public final class OperationsHandler extends Handler.Abstract {
    private final PrometheusRegistry registry;
    private final List<Check> readiness;
    private final PrometheusTextFormatWriter writer = new PrometheusTextFormatWriter(false);

    /**
     * One dependency (or state) the readiness answer reports, in the order given.
     *
     * @param required whether readiness needs it; a reported-only check shows up in the body
     *                 without making the port unready (the router stays ready while the primary
     *                 is down, because pulls of replicated content keep working)
     * @param degrades whether its failing makes the answer {@code "degraded":true}: false for a
     *                 {@linkplain #state state}, which is no part failing
     * @param up       the word the body says while it passes ({@code reachable})
     * @param down     the word the body says while it fails ({@code unreachable})
     */
    public record Check(
            String name, BooleanSupplier reachable, boolean required, boolean degrades, String up, String down) {
        public Check {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(reachable, "reachable");
            Objects.requireNonNull(up, "up");
            Objects.requireNonNull(down, "down");
        }

        /** A dependency, {@code reachable} or {@code unreachable}; its failing degrades the answer. */
        public Check(String name, BooleanSupplier reachable, boolean required) {
            this(name, reachable, required, true, "reachable", "unreachable");
        }

        public static Check required(String name, BooleanSupplier reachable) {
            return new Check(name, reachable, true);
        }

        public static Check reported(String name, BooleanSupplier reachable) {
            return new Check(name, reachable, false);
        }

        /**
         * A state reported in its own words that is no failure: neither readiness nor
         * {@code "degraded"} depends on it (the router's replica binding, bypassed by design after
         * a promotion).
         */
        public static Check state(String name, BooleanSupplier usual, String whenUsual, String otherwise) {
            return new Check(name, usual, false, false, whenUsual, otherwise);
        }
    }

    public OperationsHandler(PrometheusRegistry registry, List<Check> readiness) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.readiness = List.copyOf(readiness);
    }

    /** The registry {@code /metrics} serves: the servers this handler sits in report their own gauges to it. */
    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
            return false;
        }
        switch (Request.getPathInContext(request)) {
            case "/-/health" ->
                send(
                        response,
                        callback,
                        200,
                        "application/json",
                        "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8));
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
        boolean degraded = false;
        for (Check check : readiness) {
            boolean ok = check.reachable().getAsBoolean();
            ready &= ok || !check.required();
            degraded |= !ok && check.degrades();
            body.append(",\"")
                    .append(check.name())
                    .append("\":\"")
                    .append(ok ? check.up() : check.down())
                    .append('"');
        }
        send(
                response,
                callback,
                ready ? 200 : 503,
                "application/json",
                ("{\"ready\":" + ready + ",\"degraded\":" + degraded + body + "}").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(Response response, Callback callback, int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
