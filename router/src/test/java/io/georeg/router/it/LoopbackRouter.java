package io.georeg.router.it;

import io.georeg.db.Database;
import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.tools.FreePort;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A router started for a test on a free loopback port. Its public URL names the port, so the port
 * comes first: {@link FreePort#start} picks one, and picks again when another process took it
 * before the router bound it.
 */
final class LoopbackRouter {
    /** Makes and starts the router of a configuration: the constructor a test needs. */
    interface Factory {
        Router start(RouterConfig config) throws Exception;
    }

    /** A router without a database: no fences, no shared admin state. */
    static final Factory WITHOUT_DATABASE = c -> new Router(c, null, new PrometheusRegistry()).start();

    private LoopbackRouter() {}

    /**
     * A router whose fences and admin state live in {@code database}, the fences read there on
     * every manifest read: no LISTEN, so no fence view in memory.
     */
    static Factory withDatabase(Database database) {
        return c -> new Router(c, database.transactions(), new PrometheusRegistry()).start();
    }

    /** A router whose fences live in {@code database} and in memory through LISTEN, as georeg serve runs them. */
    static Factory withFences(Database database) {
        return withFences(database, new PrometheusRegistry());
    }

    /** As {@link #withFences(Database)}, its metrics in {@code metrics} for the test to read. */
    static Factory withFences(Database database, PrometheusRegistry metrics) {
        return c -> new Router(
                        c, database.transactions(), metrics, Router.Wiring.NONE.withNotifications(database.config()))
                .start();
    }

    /** Routes to {@code primary} and {@code replica} with every other setting at its default. */
    static Router start(URI primary, RouterConfig.ReplicaEndpoint replica, Factory factory) throws Exception {
        return start(primary, null, replica, UnaryOperator.identity(), factory);
    }

    /**
     * @param auth      the primary's token service, or null
     * @param configure the test's settings on top of the defaults ({@code with…})
     */
    static Router start(
            URI primary,
            URI auth,
            RouterConfig.ReplicaEndpoint replica,
            UnaryOperator<RouterConfig> configure,
            Factory factory)
            throws Exception {
        return FreePort.start(port -> factory.start(configure.apply(
                RouterConfig.of(URI.create("http://127.0.0.1:" + port), port, primary, auth, replica))));
    }

    /**
     * Timeouts whose health checks run every {@code interval}, each bounded by {@code timeout}, so
     * that a test sees an upstream go down or come back within a second or two; connect 1 s, idle 60 s.
     */
    static RouterConfig.Timeouts quickChecks(Duration interval, Duration timeout) {
        return new RouterConfig.Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(60), interval, timeout);
    }
}
