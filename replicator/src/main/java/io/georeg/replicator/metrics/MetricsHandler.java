package io.georeg.replicator.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code GET /metrics}: the registry in Prometheus text format 0.0.4, for a replicator that runs
 * without another metrics endpoint (the app may mount its own instead). Does nothing for other paths.
 */
public final class MetricsHandler extends Handler.Abstract {
    private final PrometheusRegistry registry;
    private final PrometheusTextFormatWriter writer = new PrometheusTextFormatWriter(false);

    public MetricsHandler(PrometheusRegistry registry) {
        this.registry = registry;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!"/metrics".equals(Request.getPathInContext(request)) || !"GET".equals(request.getMethod())) {
            return false;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.write(out, registry.scrape());
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, PrometheusTextFormatWriter.CONTENT_TYPE);
        response.write(true, ByteBuffer.wrap(out.toByteArray()), callback);
        return true;
    }
}
