package io.georeg.app.wiring;

import io.georeg.app.config.GeoregConfig;
import io.georeg.app.config.Primaries;
import io.georeg.app.config.ReplicatorSection;
import io.georeg.app.wiring.http.ComponentHttpServer;
import io.georeg.ops.Closing;
import io.georeg.ops.OperationsHandler;
import io.georeg.replicator.PrimarySource;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.copy.AbandonedWriteSweeper;
import io.georeg.replicator.metrics.ReplicatorMetrics;
import io.georeg.replicator.metrics.VerifyMetrics;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.verify.Verifier;
import io.georeg.status.web.StatusPageHandler;
import io.georeg.status.web.StatusPageSettings;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * The replicator as a {@code georeg serve} component: the {@link Replicator} (workers, scheduled
 * reconcile, pruning) over the shared database and replica, its metrics on the process registry,
 * the {@link Verifier} when {@code replicator.verify.enabled}, the {@link AbandonedWriteSweeper}
 * of copies killed mid-write, and one HTTP port
 * ({@code replicator.bindHost/port}) serving the notification intake, the status page
 * ({@code /-/status}, {@code /-/status.json}), {@code /-/health}, {@code /-/ready} (ready while the
 * database answers — the intake commits there —, its schema is one this binary runs on, and it
 * replicates this replicator's primaries ({@code "primaries"}, see {@code PrimaryBindingGuard});
 * storage reported, since copies wait for it in the queue) and {@code /metrics}. Building it refuses
 * a tracking database bound to other primaries ({@code PrimaryBindingException}: {@code georeg
 * serve} exits 1 with its message).
 */
public final class ReplicatorComponent implements Component {
    private final Replicator replicator;
    private final Optional<Verifier> verifier;
    private final AbandonedWriteSweeper sweeper;
    private final ComponentHttpServer server;
    private final String intakePath;

    ReplicatorComponent(GeoregConfig config, Resources resources) {
        ReplicatorSection section = config.requireReplicator();
        this.replicator = newReplicator(config, resources);
        this.verifier = section.verify().enabled()
                ? Optional.of(new Verifier(
                        section.verify(),
                        resources.database(),
                        resources.blobStore(),
                        replicator.queue(),
                        new VerifyMetrics(resources.metrics())))
                : Optional.empty();
        this.sweeper = new AbandonedWriteSweeper(
                resources.blobStore(), section.toReplicatorConfig().retention(), Clock.systemUTC());
        this.intakePath = Primaries.of(config).sources(config).stream()
                .map(s -> s.intake().path())
                .collect(java.util.stream.Collectors.joining(", "));
        OperationsHandler operations = new OperationsHandler(
                resources.metrics(),
                List.of(
                        resources.backends().check(Resources.DATABASE, true),
                        resources.backends().check(Resources.STORAGE, false),
                        resources.schemaReadiness(),
                        OperationsHandler.Check.required("primaries", replicator::bindingMatches),
                        resources.servingReadiness()));
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        this.server = new ComponentHttpServer(
                "replicator",
                section.bindHost(),
                section.port(),
                64,
                http,
                section.clients(),
                null,
                operations,
                List.of(
                        new StatusPageHandler(
                                resources.database(), Primaries.of(config).owners(), StatusPageSettings.defaults()),
                        replicator.intakeHandler()),
                tree -> resources.requestSignals().wrap(name(), config.metrics().apdex(), tree));
    }

    /**
     * The replicator of every primary ({@link Primaries#sources}), not started, its metrics on the
     * process registry: for {@code georeg serve} and the commands that run a replicator in process.
     */
    static Replicator newReplicator(GeoregConfig config, Resources resources) {
        Primaries primaries = Primaries.of(config);
        List<PrimarySource> sources = primaries.sources(config);
        return new Replicator(
                config.replicatorConfig(),
                sources,
                primaries.owners(),
                resources.database(),
                resources.replicaReader(),
                resources.replicaWriter(),
                Replicator.Observers.of(new ReplicatorMetrics(
                        resources.metrics(), new WorkQueue(resources.database()), primaries.owners())));
    }

    @Override
    public String name() {
        return "replicator";
    }

    @Override
    public void start() throws Exception {
        server.start();
        replicator.start();
        verifier.ifPresent(Verifier::start);
        sweeper.start();
    }

    public Replicator replicator() {
        return replicator;
    }

    /** Where the intake, status page and metrics answer, e.g. {@code http://127.0.0.1:5002}. */
    public URI uri() {
        return server.uri();
    }

    @Override
    public String describe() {
        return "replicator taking notifications at " + server.uri() + intakePath + ", status page at " + server.uri()
                + StatusPageHandler.HTML_PATH + (verifier.isPresent() ? ", verifying stored content" : "");
    }

    @Override
    public void close() throws Exception {
        Closing.closeAll(server, sweeper, () -> verifier.ifPresent(Verifier::close), replicator);
    }
}
