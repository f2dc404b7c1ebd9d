package io.georeg.read;

import io.georeg.oci.RequestLimits;
import io.georeg.ops.ClientConnector;
import io.georeg.ops.OciErrorHandler;
import io.georeg.read.api.DirectReads;
import io.georeg.read.auth.Authenticator;
import io.georeg.read.server.PathGuard;
import io.georeg.read.server.ReadMetrics;
import io.georeg.read.server.ReadResourceConfig;
import io.georeg.replica.ReplicaReader;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.glassfish.jersey.servlet.ServletContainer;

/**
 * registry-read as a server: Jetty 12 with the Jersey application of {@link ReadResourceConfig}
 * behind the {@link PathGuard}, OCI error bodies for Jetty's own errors, request metrics
 * ({@link ReadMetrics}) in the registry it is given, on a listener built as every listener clients
 * reach is ({@link ClientConnector}: unshared buffers, the clients' deadlines, an accept queue).
 * Constructed by tests; {@link #start()} binds (port 0: ephemeral, see {@link #port()}),
 * {@link #stop()} releases everything. {@code georeg serve} mounts registry-read on its own
 * component server, or inside the router, with {@link #handler} and
 * {@link #configure(HttpConfiguration)}.
 */
public final class RegistryReadServer implements AutoCloseable {
    private final ReplicaReader replica;
    private final Authenticator auth;
    private final ReadOptions options;
    private final PrometheusRegistry metrics;
    private Server server;
    private ServerConnector connector;

    public RegistryReadServer(ReplicaReader replica, Authenticator auth, ReadOptions options) {
        this(replica, auth, options, new PrometheusRegistry());
    }

    public RegistryReadServer(
            ReplicaReader replica, Authenticator auth, ReadOptions options, PrometheusRegistry metrics) {
        this.replica = replica;
        this.auth = auth;
        this.options = options.validate();
        this.metrics = metrics;
    }

    /**
     * The handler tree of registry-read, for embedding: a {@link PathGuard} around
     * {@link DirectReads} (manifest and blob GETs and HEADs) around a servlet context holding Jersey at
     * {@code /*} (everything else).
     */
    public static Handler handler(ReplicaReader replica, Authenticator auth, ReadOptions options) {
        return handler(replica, auth, options, StorageHealth.UNWATCHED);
    }

    /**
     * As {@link #handler(ReplicaReader, Authenticator, ReadOptions)}, with blob reads answered 503
     * while {@code storage} says the blob storage is unavailable.
     */
    public static Handler handler(
            ReplicaReader replica, Authenticator auth, ReadOptions options, StorageHealth storage) {
        ServletContextHandler context = new ServletContextHandler("/", ServletContextHandler.NO_SESSIONS);
        context.addServlet(
                new ServletHolder(
                        "registry-read", new ServletContainer(ReadResourceConfig.create(replica, auth, options))),
                "/*");
        return new PathGuard(new DirectReads(context, replica, auth, options, storage));
    }

    /**
     * HTTP settings registry-read needs on the connector that serves it: ambiguous URIs
     * ({@code %2F}, {@code %2E}, empty segments) must reach the {@link PathGuard}, which answers
     * them with an OCI body, instead of being refused by Jetty with a bare 400; request headers as
     * large as the router takes.
     */
    public static HttpConfiguration configure(HttpConfiguration http) {
        http.setUriCompliance(UriCompliance.DEFAULT.with(
                "georeg-read",
                UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
                UriCompliance.Violation.AMBIGUOUS_PATH_SEGMENT,
                UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT,
                UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
                UriCompliance.Violation.AMBIGUOUS_PATH_PARAMETER,
                UriCompliance.Violation.SUSPICIOUS_PATH_CHARACTERS));
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // As much as the router's listener takes and forwards here (bearer tokens with many scopes
        // are large); Jetty's default, 8 KiB, refused such a token with 431.
        http.setRequestHeaderSize(RequestLimits.MAX_HEADER_BYTES);
        return http;
    }

    public synchronized void start() throws Exception {
        if (server != null) {
            throw new IllegalStateException("registry-read is already started");
        }
        QueuedThreadPool threads = new QueuedThreadPool(options.maxThreads(), Math.min(8, options.maxThreads()));
        threads.setName("registry-read");
        Server s = new Server(threads);
        HttpConfiguration http = configure(new HttpConfiguration());
        ServerConnector c = ClientConnector.create(s, null, http, new HttpConnectionFactory(http), options.clients());
        c.setHost(options.host());
        c.setPort(options.port());
        s.addConnector(c);
        s.setErrorHandler(OciErrorHandler.forRegistryApi());
        s.setHandler(options.clients().guardBodies(ReadMetrics.of(metrics).wrap(handler(replica, auth, options))));
        s.setStopAtShutdown(false);
        try {
            s.start();
        } catch (Exception e) {
            s.stop();
            throw e;
        }
        server = s;
        connector = c;
    }

    /** The bound port (the ephemeral one when configured with 0). */
    public synchronized int port() {
        if (connector == null) {
            throw new IllegalStateException("registry-read is not started");
        }
        return connector.getLocalPort();
    }

    /** {@code http://127.0.0.1:<port>} when bound to loopback or all interfaces. */
    public URI uri() {
        String host = options.host().equals("0.0.0.0") ? "127.0.0.1" : options.host();
        return URI.create("http://" + host + ":" + port());
    }

    public synchronized void stop() throws Exception {
        if (server != null) {
            try {
                server.stop();
            } finally {
                server = null;
                connector = null;
            }
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
