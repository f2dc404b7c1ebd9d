package io.georeg.app.wiring;

import io.georeg.app.config.GeoregConfig;
import io.georeg.app.config.Primaries;
import io.georeg.ops.BackendWatch;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.reconcile.RepositoryFilter;
import io.georeg.router.LocalBackends;
import io.georeg.router.Router;
import io.georeg.router.RouterCells;
import io.georeg.router.RouterConfig;
import io.georeg.status.web.StatusPageHandler;
import io.georeg.status.web.StatusPageSettings;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The router as a {@code georeg serve} component: the one front door, with read-your-writes fences
 * in the shared tracking database, its metrics on the process registry, the status page on its
 * operator listener (never the public one), and cache on miss (reads the replica missed are queued for the replicator, see
 * {@link CacheOnMiss}), and the outage shield of the token route when {@code auth.outage} is on
 * (grants in the shared tracking database), and the process's backend watch with
 * {@code health.budget} ({@link LocalBackends}: reads go to the primary while the database is
 * down or the replica too slow). When registry-read is a component of the same process the router hosts
 * registry-read's handler in process ({@link RouterConfig.ReplicaEndpoint.InProcess}); otherwise it
 * calls {@code router.replicaUrl}.
 */
public final class RouterComponent implements Component {
    private final Router router;
    private final boolean inProcessReplica;
    private final RouterConfig routerConfig;

    RouterComponent(GeoregConfig config, Resources resources) {
        this.inProcessReplica = config.routerHostsRegistryRead();
        // registry-read's cache, in this process or in its own, is configured by the same file.
        Duration staleness =
                config.replica().cache().enabled() ? config.replica().cache().tagTtl() : Duration.ZERO;
        RouterConfig.ReplicaEndpoint replica = inProcessReplica
                ? new RouterConfig.ReplicaEndpoint.InProcess(
                        RegistryReadComponent.inProcessHandler(config, resources), staleness)
                : new RouterConfig.ReplicaEndpoint.Remote(config.router().replicaUrl(), staleness);
        this.routerConfig = config.router()
                .toRouterConfig(replica)
                .withOutageTokens(new RouterConfig.OutageTokens(
                        config.auth().token(), config.auth().outage()))
                .withEgress(config.primary());
        BackendWatch backends = resources.backends();
        this.router = new Router(
                routerConfig,
                resources.database().transactions(),
                resources.metrics(),
                new Router.Wiring(
                        new CacheOnMiss(new WorkQueue(resources.database()), syncFilter(config), Clock.systemUTC()),
                        new StatusPageHandler(
                                resources.database(), Primaries.of(config).owners(), StatusPageSettings.defaults()),
                        resources.database().config(),
                        new Router.ProcessHooks(
                                List.of(resources.schemaReadiness(), resources.servingReadiness()),
                                tree -> resources
                                        .requestSignals()
                                        .wrap(name(), config.metrics().apdex(), tree)),
                        new LocalBackends(
                                () -> backends.available(Resources.DATABASE),
                                config.health().budget()),
                        cells(config)));
    }

    /** The primaries of {@code primaries}, or null for the one primary of {@code router.primaryUrl}. */
    private static RouterCells cells(GeoregConfig config) {
        if (!Primaries.listed(config)) {
            return null;
        }
        Primaries primaries = Primaries.of(config);
        return new RouterCells(
                primaries.all().stream()
                        .map(p -> new RouterCells.Cell(p.name(), p.registryUrl(), p.authUrl(), p.service()))
                        .toList(),
                primaries.owners());
    }

    /** The replicator's selective sync, which cache on miss obeys too; everything without a replicator section. */
    private static RepositoryFilter syncFilter(GeoregConfig config) {
        RepositoryFilter sync =
                config.replicator() == null || config.replicator().sync() == null
                        ? RepositoryFilter.ALL
                        : config.replicator().sync().filter();
        // With primaries, a repository no primary owns is never replicated.
        var owners = Primaries.of(config).owners();
        return sync.and(r -> owners.ownerOf(r.value()).isPresent());
    }

    @Override
    public String name() {
        return "router";
    }

    @Override
    public void start() throws Exception {
        router.start();
    }

    /** Where the router listens locally, e.g. {@code http://127.0.0.1:5000}. */
    public URI uri() {
        return router.localUrl();
    }

    /** Where the operator endpoints answer (admin API, metrics, status page), e.g. {@code http://127.0.0.1:5081}. */
    public URI operatorUri() {
        return router.operatorUrl();
    }

    public Router router() {
        return router;
    }

    @Override
    public String describe() {
        return "router at " + router.localUrl() + " (public URL " + routerConfig.publicUrl() + "), registry-read "
                + (inProcessReplica
                        ? "in process"
                        : "at " + ((RouterConfig.ReplicaEndpoint.Remote) routerConfig.replica()).url())
                + ", operator endpoints (admin API, metrics, status page) at " + router.operatorUrl();
    }

    @Override
    public void close() throws Exception {
        router.close();
    }
}
