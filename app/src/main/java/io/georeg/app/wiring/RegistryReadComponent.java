package io.georeg.app.wiring;

import io.georeg.app.config.GeoregConfig;
import io.georeg.app.config.Primaries;
import io.georeg.app.config.PrimarySection;
import io.georeg.app.wiring.http.ComponentHttpServer;
import io.georeg.ops.BackendWatch;
import io.georeg.ops.OciErrorHandler;
import io.georeg.ops.OperationsHandler;
import io.georeg.read.ReadOptions;
import io.georeg.read.RegistryReadServer;
import io.georeg.read.auth.Authenticator;
import io.georeg.read.auth.PrimariesAuthenticator;
import io.georeg.read.auth.TokenAuthenticator;
import io.georeg.read.server.ReadMetrics;
import io.georeg.token.TokenAuthConfig;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * registry-read as a {@code georeg serve} component: its handler over the shared replica reader,
 * with token auth when {@code auth.token} is configured (trusting this site's outage tokens too when
 * {@code auth.outage} has its public key, or in a router's process the signing key whose public half
 * it takes), anonymous otherwise, on its own port
 * ({@code registryRead.host/port}) behind the {@link OperationsHandler} (ready while its database
 * and its storage answer their probes within {@code health.budget} — the router probes this and
 * sends reads to the primary while it is not — and its schema is one this binary runs on).
 * {@link #handler(GeoregConfig, Resources)} builds the same API for the router to
 * host in process.
 */
public final class RegistryReadComponent implements Component {
    private final ComponentHttpServer server;
    private final ReadOptions options;

    RegistryReadComponent(GeoregConfig config, Resources resources) {
        this.options = config.registryRead();
        OperationsHandler operations = readiness(resources, resources.servingReadiness());
        this.server = new ComponentHttpServer(
                "registry-read",
                options.host(),
                options.port(),
                options.maxThreads(),
                RegistryReadServer.configure(new HttpConfiguration()),
                options.clients(),
                OciErrorHandler.forRegistryApi(),
                operations,
                List.of(handler(config, resources)),
                tree -> resources.requestSignals().wrap(name(), config.metrics().apdex(), tree));
    }

    /**
     * registry-read's API with its readiness in front, for the router to host in process: the
     * router probes {@code /-/ready} of its replica, in process or not.
     */
    static Handler inProcessHandler(GeoregConfig config, Resources resources) {
        return new Handler.Sequence(readiness(resources), handler(config, resources));
    }

    /**
     * registry-read's readiness: its database, storage and schema, and what its own port adds (a
     * stopping process; hosted in the router, the router's own readiness says that).
     */
    private static OperationsHandler readiness(Resources resources, OperationsHandler.Check... more) {
        List<OperationsHandler.Check> checks = new ArrayList<>(List.of(
                resources.backends().check(Resources.DATABASE, true),
                resources.backends().check(Resources.STORAGE, true),
                resources.schemaReadiness()));
        checks.addAll(List.of(more));
        return new OperationsHandler(resources.metrics(), checks);
    }

    /**
     * registry-read's handler tree (API, auth, path guard) over the shared reader; its blob reads
     * ask the process's storage probe ({@link BackendWatch}) whether storage is up.
     */
    static Handler handler(GeoregConfig config, Resources resources) {
        Authenticator auth = config.auth().token() == null
                ? Authenticator.anonymous()
                : Primaries.listed(config)
                        ? primariesAuthenticator(config)
                        : TokenAuthenticator.create(
                                config.auth().token(), config.auth().siteTrust(), Clock.systemUTC());
        BackendWatch backends = resources.backends();
        return ReadMetrics.of(resources.metrics())
                .wrap(RegistryReadServer.handler(
                        resources.servingReplicaReader(),
                        auth,
                        config.registryRead().validate(),
                        () -> backends.available(Resources.STORAGE)));
    }

    /**
     * With {@code primaries}: each primary's tokens checked against its own issuer, bundle and
     * service, for the repositories it owns; the realm and clock skew are {@code auth.token}'s.
     */
    private static Authenticator primariesAuthenticator(GeoregConfig config) {
        Primaries primaries = Primaries.of(config);
        TokenAuthConfig shared = config.auth().token();
        Map<String, TokenAuthenticator> byPrimary = new HashMap<>();
        for (PrimarySection p : primaries.all()) {
            byPrimary.put(
                    p.name(),
                    TokenAuthenticator.create(
                            new TokenAuthConfig(
                                    shared.realm(), p.service(), p.issuer(), p.rootCertBundle(), shared.clockSkew()),
                            Clock.systemUTC()));
        }
        return new PrimariesAuthenticator(
                byPrimary,
                primaries.owners(),
                primaries.owners().defaultOwner().orElse(primaries.all().get(0).name()));
    }

    @Override
    public String name() {
        return "registry-read";
    }

    @Override
    public void start() throws Exception {
        server.start();
    }

    /** Where the API answers, e.g. {@code http://127.0.0.1:5001}. */
    public URI uri() {
        return server.uri();
    }

    @Override
    public String describe() {
        return "registry-read serving the OCI pull API at " + server.uri() + "/v2/";
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
