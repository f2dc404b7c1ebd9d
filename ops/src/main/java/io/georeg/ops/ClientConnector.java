package io.georeg.ops;

import java.util.concurrent.Executor;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The connector of a listener that untrusted clients reach (the router's public listener,
 * registry-read's, the replicator's intake): one place for what each of them gets, so that none
 * misses a protection — input buffers of each connection's own ({@link UnsharedBuffers}), the clients'
 * deadlines ({@link ClientDeadlines#applyTo}) and an accept queue for bursts ({@link AcceptQueue}).
 * The caller sets host and port and adds it to the server.
 */
public final class ClientConnector {
    private ClientConnector() {}

    /**
     * @param executor the connections' executor, or null for the server's
     * @param http     the configuration {@code factory}'s connections use: set here to heap input and direct output buffers
     */
    public static ServerConnector create(
            Server server,
            Executor executor,
            HttpConfiguration http,
            ConnectionFactory factory,
            ClientDeadlines clients) {
        ServerConnector connector =
                new ServerConnector(server, executor, null, UnsharedBuffers.forConnector(http), -1, -1, factory);
        clients.applyTo(connector);
        AcceptQueue.applyTo(connector);
        return connector;
    }
}
