package io.georeg.app.wiring.http;

import io.georeg.ops.ClientConnector;
import io.georeg.ops.ClientDeadlines;
import io.georeg.ops.GracefulDrain;
import io.georeg.ops.JettyMetrics;
import io.georeg.ops.OciErrorHandler;
import io.georeg.ops.OperationsHandler;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * One component's Jetty 12 server: a connector on {@code host:port} (0: a free port) with the
 * component's {@link ClientDeadlines} (a client that trickles its headers is cut off) and a
 * {@code Handler.Sequence} of the {@link OperationsHandler} followed by the component's own
 * handlers, first to accept wins, inside the process's outermost wrapper (request signals) and a
 * {@link GracefulDrain}, so that {@link #close()} lets requests in flight finish. The registry-read and replicator components own one each;
 * {@link #start()} binds, {@link #close()} stops.
 */
public final class ComponentHttpServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final String host;

    public ComponentHttpServer(
            String name,
            String host,
            int port,
            int maxThreads,
            HttpConfiguration http,
            ClientDeadlines clients,
            ErrorHandler errors,
            OperationsHandler operations,
            List<Handler> handlers,
            UnaryOperator<Handler> outermost) {
        JettyMetrics metrics = JettyMetrics.of(operations.registry());
        this.server = new Server(metrics.threadPool(name, maxThreads, Math.min(8, maxThreads)));
        // What every listener clients reach gets: unshared buffers, the clients' deadlines, an accept queue.
        this.connector = ClientConnector.create(
                server, null, http, metrics.connections(name, new HttpConnectionFactory(http)), clients);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        // Jetty's own refusals (malformed requests, oversized headers) answer with an OCI error body, never HTML.
        server.setErrorHandler(errors != null ? errors : OciErrorHandler.plain());
        List<Handler> all = new ArrayList<>();
        all.add(operations);
        all.addAll(handlers);
        // Graceful stop: the connector stops accepting, requests in flight finish (up to the stop timeout).
        server.setHandler(new GracefulDrain(clients.guardBodies(outermost.apply(new Handler.Sequence(all)))));
        server.setStopTimeout(5_000);
        this.host = host;
    }

    public ComponentHttpServer start() throws Exception {
        server.start();
        return this;
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://host:port}, with 127.0.0.1 for a wildcard bind. */
    public URI uri() {
        String h = host == null || host.isBlank() || "0.0.0.0".equals(host) ? "127.0.0.1" : host;
        return URI.create("http://" + h + ":" + port());
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
