package io.georeg.router;

import io.georeg.db.DatabaseConfig;
import io.georeg.db.Transactions;
import io.georeg.oci.RequestLimits;
import io.georeg.ops.ClientConnector;
import io.georeg.ops.Closing;
import io.georeg.ops.GracefulDrain;
import io.georeg.ops.JettyMetrics;
import io.georeg.ops.OciErrorHandler;
import io.georeg.ops.OperationsHandler;
import io.georeg.ops.ProcessName;
import io.georeg.router.admin.AdminEndpoint;
import io.georeg.router.admin.AdminStateStore;
import io.georeg.router.admin.DatabaseAdminStateStore;
import io.georeg.router.admin.FailedAttempts;
import io.georeg.router.admin.MemoryAdminStateStore;
import io.georeg.router.admin.ReplicaBinding;
import io.georeg.router.admin.SiteControl;
import io.georeg.router.fallback.ReplicaMissListener;
import io.georeg.router.fallback.StoredTagLookup;
import io.georeg.router.fence.FenceLease;
import io.georeg.router.fence.FenceStore;
import io.georeg.router.fence.FenceView;
import io.georeg.router.fence.ReadYourWrites;
import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.health.UpstreamHealthCheck;
import io.georeg.router.outage.GrantsMaintenance;
import io.georeg.router.outage.OutageGrants;
import io.georeg.router.outage.OutageMetrics;
import io.georeg.router.outage.ShieldReporter;
import io.georeg.router.outage.TokenShield;
import io.georeg.router.proxy.ForwardProxy;
import io.georeg.router.proxy.InProcessDispatch;
import io.georeg.router.proxy.PublicUrlRewriter;
import io.georeg.router.proxy.StreamingProxy;
import io.georeg.router.proxy.Upstream;
import io.georeg.router.route.RouteTable;
import io.georeg.token.TokenAuthConfig;
import io.georeg.token.TokenVerifier;
import io.georeg.token.TrustedKeys;
import io.georeg.token.site.OutageTokenConfig;
import io.georeg.token.site.OutageTokenSigner;
import io.georeg.token.site.SiteKeys;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.ProtocolHandlers;
import org.eclipse.jetty.client.ProxyAuthenticationProtocolHandler;
import org.eclipse.jetty.client.RedirectProtocolHandler;
import org.eclipse.jetty.client.WWWAuthenticationProtocolHandler;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router, assembled and run: the Jetty 12 server on the public port with its handler tree
 * ({@link AccessLogHandler} → {@link RoutingHandler} → its legs, put together in one place,
 * {@code routingHandler}), the upstream HTTP client, health checks
 * and circuit breakers of the primary, its token service and the replica, read-your-writes fences,
 * the outage shield of the token route ({@link TokenShield}, with {@code auth.outage}), metrics. The
 * app's {@code serve} command creates one, calls {@link #start()} and {@link #close()}; tests do
 * the same.
 *
 * <pre>{@code
 * try (Router router = new Router(config, database.transactions(), registry).start()) {
 *     URI url = router.localUrl();   // http://127.0.0.1:<port>
 * }
 * }</pre>
 * A second listener, the operator one ({@code router.operator.*}, {@link OperatorEndpoints}),
 * serves the admin API, {@code /metrics} and the status page; the public one serves the registry
 * API, the token route and health only.
 * The admin API ({@code /-/admin/}, {@link AdminEndpoint}) is on when {@code router.admin.token}
 * is set; its mode and primary URL are shared through the tracking database
 * ({@code router_admin_state}) by every router instance, or kept in this process when there is
 * no database.
 * One {@code start()} per instance (its metrics are registered by the constructor); metrics
 * and {@code /metrics} use the registry given, the access log is {@link AccessLog}
 * ({@code router.accessLog}).
 */
public final class Router implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);
    private static final int UPSTREAM_READ_BUFFER = 512 * 1024;
    private static final java.time.Duration FENCE_RECONNECT_DELAY = java.time.Duration.ofSeconds(1);
    /** Off the request path (cache on miss), so a loaded primary may take its time. */
    private static final java.time.Duration STORED_TAG_LOOKUP_TIMEOUT = java.time.Duration.ofSeconds(10);

    private static final java.time.Duration GRANTS_MAINTENANCE_INTERVAL = java.time.Duration.ofMinutes(1);

    private final RouterConfig config;
    private final Transactions transactions;
    private final PrometheusRegistry registry;
    private final ReplicaMissListener missListener;
    private final Handler localPages;
    private final ProcessHooks hooks;
    private final DatabaseConfig notifications;
    private final RouterCells cells;
    /** Per primary, in {@link RouterCells#cells()} order; the first is the one promotions switch. */
    private final java.util.LinkedHashMap<String, PrimaryHealth> primaries = new java.util.LinkedHashMap<>();
    /** The registries of the primaries after the first, which no promotion switches. */
    private final java.util.Map<String, Upstream> fixedRegistries = new java.util.concurrent.ConcurrentHashMap<>();
    /** The first primary's registry as {@link #namedRegistry} names it, at the origin a promotion last set. */
    private volatile Upstream firstRegistry;
    /** The first primary's registry circuit: the one of the admin API and of a single-primary router. */
    private final CircuitBreaker primaryCircuit;

    private final CircuitBreaker replicaCircuit;
    /** The first primary's token service circuit, or null. */
    private final CircuitBreaker tokenServiceCircuit;

    /** The route table: the dispatcher classifies with it, the metrics label with its rows. */
    private final RouteTable routes;

    private final RouterMetrics metrics;
    private final OutageMetrics outageMetrics;
    private final LocalBackends backends;
    private HttpClient httpClient;
    private Server server;
    private Server operatorServer;
    private Server inProcessReplica;
    private UpstreamHealthCheck replicaCheck;
    private GrantsMaintenance grantsMaintenance;
    private ShieldReporter shieldReporter;
    /** The first primary's token route, whose shield the outage metrics report. */
    private volatile TokenRoute tokenRoute;

    private SiteControl control;
    /** Whether the replica may answer each primary's pulls; set once {@link #control} is started. */
    private volatile ReplicaBinding replicaBinding;

    private FenceView fenceView;
    private FenceLease fenceLease;
    private ReadYourWrites readYourWrites;
    private AccessLog accessLog;

    /**
     * A router on its own: no process around it (see {@link Wiring#NONE}).
     *
     * @param transactions the tracking database's transactions (read-your-writes fences in
     *                     {@code router_fences}); null runs without read-your-writes
     * @param registry     where the router's metrics are registered and which {@code /metrics} serves
     */
    public Router(RouterConfig config, Transactions transactions, PrometheusRegistry registry) {
        this(config, transactions, registry, Wiring.NONE);
    }

    /**
     * What the process that runs the router plugs into it, each part optional.
     *
     * @param missListener  told about reads the replica missed and the primary served, e.g. to
     *                      queue their replication (cache on miss)
     * @param localPages    serves the LOCAL routes other than health and metrics (the app's status
     *                      page at {@code /-/status}); null answers them 404
     * @param notifications the tracking database's connection settings for the router's own
     *                      {@code LISTEN} connection, which keeps the read-your-writes fences in
     *                      memory ({@link FenceView}); null checks the fence table on every
     *                      manifest read
     * @param hooks         required readiness checks and the outermost handler wrapper
     * @param backends      what is known of the secondary's own database and how long a read waits
     *                      for the replica before the primary answers it (the app's backend watch
     *                      and {@code health.budget}); {@link LocalBackends#unwatched()} without them
     * @param cells         the primaries and the repository namespaces each owns (the app's
     *                      {@code primaries}); null: the one primary {@code router.primaryUrl}
     */
    public record Wiring(
            ReplicaMissListener missListener,
            Handler localPages,
            DatabaseConfig notifications,
            ProcessHooks hooks,
            LocalBackends backends,
            RouterCells cells) {
        /** Nothing plugged in: no miss listener, no local pages, fences read from the table, one primary. */
        public static final Wiring NONE =
                new Wiring(ReplicaMissListener.NONE, null, null, ProcessHooks.NONE, LocalBackends.unwatched(), null);

        public Wiring withMissListener(ReplicaMissListener listener) {
            return new Wiring(listener, localPages, notifications, hooks, backends, cells);
        }

        public Wiring withLocalPages(Handler pages) {
            return new Wiring(missListener, pages, notifications, hooks, backends, cells);
        }

        public Wiring withNotifications(DatabaseConfig database) {
            return new Wiring(missListener, localPages, database, hooks, backends, cells);
        }

        public Wiring withBackends(LocalBackends watched) {
            return new Wiring(missListener, localPages, notifications, hooks, watched, cells);
        }
    }

    /**
     * What the process that runs the router adds to it: required readiness checks of the whole
     * process beside the router's own (the app's version-skew guard), and the outermost wrapper of
     * its handler tree (the app's request signals: rate, errors, apdex).
     */
    public record ProcessHooks(List<OperationsHandler.Check> readiness, UnaryOperator<Handler> outermost) {
        public static final ProcessHooks NONE = new ProcessHooks(List.of(), UnaryOperator.identity());

        public ProcessHooks {
            readiness = List.copyOf(readiness);
        }
    }

    /** A router with what {@code wiring} plugs into it. */
    public Router(RouterConfig config, Transactions transactions, PrometheusRegistry registry, Wiring wiring) {
        this.hooks = wiring.hooks();
        this.backends = wiring.backends();
        this.localPages = wiring.localPages();
        this.notifications = transactions == null ? null : wiring.notifications();
        this.config = config.validate();
        this.transactions = transactions;
        this.registry = registry;
        this.missListener = wiring.missListener();
        this.cells = wiring.cells() == null ? RouterCells.single(config) : wiring.cells();
        for (RouterCells.Cell cell : this.cells.cells()) {
            primaries.put(
                    cell.name(),
                    new PrimaryHealth(
                            cell, this.cells.several(), config.circuit().failureThreshold()));
        }
        PrimaryHealth first = primaries.values().iterator().next();
        this.primaryCircuit = first.circuit;
        this.tokenServiceCircuit = first.tokenCircuit;
        this.replicaCircuit = new CircuitBreaker("replica", config.circuit().failureThreshold());
        List<CircuitBreaker> circuits = new java.util.ArrayList<>();
        for (PrimaryHealth p : primaries.values()) {
            circuits.add(p.circuit);
            if (p.tokenCircuit != null) {
                circuits.add(p.tokenCircuit);
            }
        }
        circuits.add(replicaCircuit);
        // Registered once per instance: a registry refuses a second metric of the same name.
        this.routes = RouteTable.oci(config.authPath());
        this.metrics = new RouterMetrics(registry, circuits, routes);
        // With token auth the shield's metrics are there, armed or not, so an unarmed shield can alert.
        if (this.cells.several() && config.outageTokens().enabled()) {
            throw new IllegalArgumentException(
                    "auth.outage: not available with several primaries: the outage shield's credentials and grants"
                            + " do not record which primary granted them, and it trusts one token bundle");
        }
        this.outageMetrics = config.outageTokens().primaryTokens() == null || this.cells.several()
                ? null
                : new OutageMetrics(registry, config.outageTokens().enabled() && transactions != null, () -> {
                    TokenRoute route = tokenRoute;
                    return route != null && route.shieldAnswers();
                });
    }

    public synchronized Router start() throws Exception {
        if (server != null) {
            return this;
        }
        try {
            httpClient = newHttpClient();
            httpClient.start();
            passUpstreamStatusesThrough(httpClient);
            URI replicaUrl = startReplica();
            ForwardProxy.install(httpClient, config.egress(), replicaUrl);
            DatabaseAdminStateStore sharedState = transactions == null
                    ? null
                    : new DatabaseAdminStateStore(transactions, config.admin().storeTimeout());
            AdminStateStore adminState = sharedState == null ? new MemoryAdminStateStore() : sharedState;
            control = new SiteControl(
                    cells.cells().get(0).registryUrl(),
                    adminState,
                    primaryCircuit,
                    config.admin().pollInterval(),
                    this::probePrimarySoon);
            control.start();
            replicaBinding = replicaBinding(sharedState).start();
            metrics.watchReplicaBinding(replicaBinding::bypassedByPrimary);
            Upstream replica = new Upstream("replica", "the read replica (" + replicaUrl + ")", replicaUrl);

            FenceStore fences = transactions == null
                    ? null
                    : new FenceStore(
                            transactions, config.fenceTtl(), config.replica().staleness());
            fenceView = notifications == null ? null : new FenceView(fences, notifications, FENCE_RECONNECT_DELAY);
            fenceLease = fenceView == null || config.fenceLease().isZero()
                    ? null
                    : new FenceLease(fenceView, notifications, config.fenceLease());
            if (fenceView != null) {
                fenceView.start();
            }
            if (fenceLease != null) {
                fenceLease.start();
                metrics.watchFenceLease(fenceLease::trusted);
            }
            readYourWrites = transactions == null
                    ? null
                    : new ReadYourWrites(
                            fences,
                            fenceView,
                            fenceLease,
                            config.fenceLease(),
                            notifications,
                            httpClient,
                            replica,
                            config.timeouts().healthTimeout());
            if (readYourWrites == null) {
                LOG.warn("router started without a tracking database: read-your-writes is off");
            }
            OperationsHandler operations = new OperationsHandler(registry, readiness());
            server = newServer(config.bindHost(), config.port(), "router", true);
            TokenShield shield = outageShield();
            accessLog = new AccessLog(config.accessLog(), metrics::accessLogDropped).start();
            server.setHandler(new GracefulDrain(config.timeouts()
                    .clients()
                    .guardBodies(hooks.outermost()
                            .apply(new AccessLogHandler(
                                    accessLog, routingHandler(replica, readYourWrites, shield, operations))))));
            server.start();
            operatorServer =
                    newServer(config.operator().bindHost(), config.operator().port(), "router-operator", false);
            // Nothing is proxied here: the usual URI rules apply (the public listener lets ambiguous paths reach the
            // route table).
            operatorServer
                    .getConnectors()[0]
                    .getConnectionFactory(HttpConnectionFactory.class)
                    .getHttpConfiguration()
                    .setUriCompliance(UriCompliance.DEFAULT);
            operatorServer.setHandler(new OperatorEndpoints(
                    new AdminEndpoint(
                            config.admin().token(),
                            control,
                            new FailedAttempts(Clock.systemUTC()),
                            config.publicUrl(),
                            () -> replicaBinding.bypass(cells.cells().get(0).name())),
                    operations,
                    localPages));
            operatorServer.start();

            for (PrimaryHealth p : primaries.values()) {
                p.start(httpClient, config.timeouts());
            }
            // Its readiness, not just its API: a registry-read whose database or storage is
            // unavailable answers /-/ready 503, and reads then go to the primary without trying it.
            replicaCheck = UpstreamHealthCheck.ofUrl(
                    httpClient,
                    replicaUrl.resolve("/-/ready"),
                    config.timeouts().healthInterval(),
                    config.timeouts().healthTimeout(),
                    replicaCircuit);
            replicaCheck.start();
            if (shield != null) {
                grantsMaintenance = new GrantsMaintenance(shield, GRANTS_MAINTENANCE_INTERVAL).start();
            }
            if (outageMetrics != null && transactions != null) {
                // With token auth, armed or not: georeg status says so for every router.
                shieldReporter = new ShieldReporter(transactions, reportName(), outageMetrics).start();
            }
            LOG.info(
                    "router listening on {} (public {}), operator endpoints on {}, primaries {}, replica {}, mode {}, admin API {}, outage tokens {}",
                    localUrl(),
                    config.publicUrl(),
                    operatorUrl(),
                    cells.several()
                            ? cells.cells().stream()
                                    .map(c -> c.name() + " " + registryOf(c).origin() + " "
                                            + cells.owners().namespacesOf(c.name()))
                                    .toList()
                            : control.primaryUrl(),
                    replicaUrl,
                    control.mode().label(),
                    config.admin().enabled() ? "on" : "off",
                    shield == null
                            ? "off"
                            : "on (issuer " + config.outageTokens().outage().issuer() + ")");
            return this;
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /**
     * The dispatcher and its legs, a set per primary: the one place the handler tree is put together.
     * The replica and the fences are shared; each primary has its own proxy (its {@code Location}s and
     * challenges rewritten to the public URL), circuits, fallback and token route.
     */
    private RoutingHandler routingHandler(
            Upstream replica, ReadYourWrites readYourWrites, TokenShield shield, OperationsHandler operations) {
        RouterFences fences = new RouterFences(readYourWrites, metrics, backends, cells.several());
        java.util.Map<String, CellLegs.Legs> legs = new java.util.HashMap<>();
        boolean first = true;
        for (PrimaryHealth p : primaries.values()) {
            CellLegs.Legs cellLegs = legsOf(p, replica, fences, first ? shield : null);
            if (first) {
                tokenRoute = cellLegs.token();
                first = false;
            }
            legs.put(p.cell.name(), cellLegs);
        }
        return new RoutingHandler(
                routes,
                new RefusedPath(metrics),
                new LocalEndpoints(operations, metrics),
                new CellLegs(
                        legs,
                        cells.owners(),
                        cells.owners()
                                .defaultOwner()
                                .orElse(cells.cells().get(0).name()),
                        metrics));
    }

    /** One primary's legs. */
    private CellLegs.Legs legsOf(PrimaryHealth p, Upstream replica, RouterFences fences, TokenShield shield) {
        RouterCells.Cell cell = p.cell;
        PublicUrlRewriter rewriter = new PublicUrlRewriter(
                config.publicUrl(), () -> registryOf(cell).origin(), cell.authUrl(), config.authPath());
        StreamingProxy proxy = new StreamingProxy(
                httpClient,
                rewriter,
                config.publicUrl(),
                config.timeouts().idle(),
                config.limits().maxRequestBodyBytes(),
                config.limits().maxHeldBodyBytes());
        Upstream tokenService = p.tokenService();
        // What waits on the primary site when its probes find it down is answered then, not at the
        // idle timeout; an answer silent for a probe's timeout by then is cut off (StreamingProxy#foundDown).
        java.time.Duration stalledAfter = config.timeouts().healthTimeout();
        p.circuit.whileDown(() -> proxy.foundDown(p.circuit.origin(), PrimarySite.refusal(p.circuit), stalledAfter));
        if (tokenService != null) {
            p.tokenCircuit.whileDown(
                    () -> proxy.foundDown(tokenService.origin(), PrimarySite.refusal(p.tokenCircuit), stalledAfter));
        }
        CircuitObserver observer =
                new CircuitObserver(metrics, replica, p.circuit, replicaCircuit, tokenService, p.tokenCircuit);
        PrimarySite primarySite = new PrimarySite(proxy, control, () -> registryOf(cell), p.circuit, observer);
        // In process: reads go straight into registry-read's handler; its loopback server only
        // answers health probes and read-your-writes catch-up checks. Its challenges name the public
        // token endpoint, as a remote replica's do through the proxy, so clients ask the router.
        InProcessDispatch inProcess = config.replica() instanceof RouterConfig.ReplicaEndpoint.InProcess local
                ? new InProcessDispatch(local.handler(), config.limits().maxHeldBodyBytes(), rewriter)
                : null;
        ReplicaSite replicaSite = new ReplicaSite(proxy, replica, inProcess, replicaCircuit, observer);
        TokenRoute tokenRoute =
                new TokenRoute(primarySite, tokenService, cell.authUrl(), p.tokenCircuit, shield, metrics);
        return new CellLegs.Legs(
                tokenRoute,
                new PrimaryWrite(
                        primarySite,
                        fences,
                        metrics,
                        repository -> cells.owners().owns(cell.name(), repository)),
                new ReplicaRead(
                        replicaSite,
                        primarySite,
                        fences,
                        metrics,
                        missListener,
                        new StoredTagLookup(proxy, () -> registryOf(cell), STORED_TAG_LOOKUP_TIMEOUT),
                        backends,
                        () -> replicaBinding.bypass(cell.name()).isPresent(),
                        // Only while the shield stands in for the token service: once it is back, the
                        // primary's 401 to an outage token sends the client to it for a token of its own.
                        authorization -> tokenRoute.shieldAnswers() && shield.carriesOutageToken(authorization)),
                cell.service());
    }

    /**
     * Which primary the replica holds, from the tracking database's binding (read through the
     * shared admin state's store, null without a database), against where each primary's writes go
     * now; only the first primary is switched by a promotion.
     */
    private ReplicaBinding replicaBinding(DatabaseAdminStateStore sharedState) {
        List<ReplicaBinding.Leg> legs = cells.cells().stream()
                .map(cell -> new ReplicaBinding.Leg(
                        cell.name(),
                        () -> registryOf(cell).origin(),
                        cell == cells.cells().get(0) ? control::primarySwitched : () -> false))
                .toList();
        return sharedState == null
                ? ReplicaBinding.none(legs)
                : ReplicaBinding.of(sharedState, legs, config.admin().pollInterval());
    }

    /**
     * A primary's registry now: the first one's as the admin state says (a promotion switches it),
     * the others' as configured.
     */
    private Upstream registryOf(RouterCells.Cell cell) {
        if (cell == cells.cells().get(0)) {
            Upstream current = control.primary();
            if (!cells.several()) {
                return current;
            }
            // Named as the other primaries are (its circuit's name, primary-<name>), not "primary": the
            // upstream metrics and the errors of a proxied exchange say which primary it was.
            Upstream named = firstRegistry;
            if (named == null || !named.origin().equals(current.origin())) {
                named = namedRegistry(cell, current.origin());
                firstRegistry = named;
            }
            return named;
        }
        return fixedRegistries.computeIfAbsent(cell.name(), name -> namedRegistry(cell, cell.registryUrl()));
    }

    private static Upstream namedRegistry(RouterCells.Cell cell, URI origin) {
        return new Upstream("primary-" + cell.name(), "primary registry " + cell.name() + " (" + origin + ")", origin);
    }

    /**
     * Ready while reads can be served from somewhere: the replica, or the primary while the
     * replica cannot (its circuit open, the tracking database unavailable). Each part's state is
     * reported; a router that serves from the primary alone because a part failed says {@code
     * "degraded":true}, one whose replica is bypassed by its binding (after a promotion) does not.
     */
    private List<OperationsHandler.Check> readiness() {
        List<OperationsHandler.Check> checks = new java.util.ArrayList<>();
        for (PrimaryHealth p : primaries.values()) {
            checks.add(OperationsHandler.Check.reported(p.circuit.upstream(), () -> !p.circuit.isOpen()));
        }
        checks.add(OperationsHandler.Check.reported("replica", () -> !replicaCircuit.isOpen()));
        // "bypassed" while some primary's pulls bypass the replica (ReplicaBinding): a state, not
        // a failure. After a promotion it is the runbook's state until the replica is adopted and
        // caught up, and the site serves every pull from its new primary; reported as degraded, it
        // said so for as long as the promoted site ran. What does fail (the database the binding is
        // read from, a primary's circuit) is reported by its own check.
        checks.add(OperationsHandler.Check.state(
                "replica-binding",
                () -> replicaBinding == null
                        || !replicaBinding.bypassedByPrimary().containsValue(true),
                "bound",
                "bypassed"));
        if (transactions != null) {
            checks.add(OperationsHandler.Check.reported("database", backends::databaseUp));
        }
        checks.add(OperationsHandler.Check.required(
                "reads",
                () -> primaries.values().stream().noneMatch(p -> p.circuit.isOpen())
                        || (!replicaCircuit.isOpen() && backends.databaseUp())));
        checks.addAll(hooks.readiness());
        return checks;
    }

    /**
     * The outage shield of the token route ({@code auth.outage}), or null when it is off or the
     * router has no tracking database to share grants in.
     */
    private TokenShield outageShield() {
        RouterConfig.OutageTokens outage = config.outageTokens();
        if (!outage.enabled()) {
            return null;
        }
        if (transactions == null) {
            LOG.warn("auth.outage is set but the router runs without a tracking database: outage tokens are off");
            return null;
        }
        OutageTokenConfig site = outage.outage();
        TokenAuthConfig primaryTokens = outage.primaryTokens().validate();
        Clock clock = Clock.systemUTC();
        return new TokenShield(
                new OutageGrants(transactions, site.grantWindow(), site.maxGrants(), clock),
                new OutageTokenSigner(SiteKeys.load(site.signingKey(), site.previousPublicKey()), site.issuer(), clock),
                new TokenVerifier(primaryTokens, TrustedKeys.load(primaryTokens.rootCertBundle()), clock),
                primaryTokens.service(),
                site.tokenLifetime(),
                outageMetrics,
                TokenScopes::scopesAskToWrite);
    }

    /** The port the router listens on (the chosen one when configured with 0). */
    public int port() {
        Server s = server;
        if (s == null) {
            throw new IllegalStateException("router not started");
        }
        return ((ServerConnector) s.getConnectors()[0]).getLocalPort();
    }

    /** This router in reports shared with others: its host name and public port (a pod name in a cluster). */
    private String reportName() {
        return ProcessName.host().orElse(config.bindHost()) + ":" + port();
    }

    /** The port of the operator listener (admin API, metrics, status page). */
    public int operatorPort() {
        Server s = operatorServer;
        if (s == null) {
            throw new IllegalStateException("router not started");
        }
        return ((ServerConnector) s.getConnectors()[0]).getLocalPort();
    }

    /** {@code http://<operator bindHost or 127.0.0.1>:<operator port>}: where drill, promote and Prometheus talk to the router. */
    public URI operatorUrl() {
        String host = "0.0.0.0".equals(config.operator().bindHost())
                ? "127.0.0.1"
                : config.operator().bindHost();
        return URI.create("http://" + host + ":" + operatorPort());
    }

    /** {@code http://<bindHost or 127.0.0.1>:<port>}, for tests and logs. */
    public URI localUrl() {
        String host = "0.0.0.0".equals(config.bindHost()) ? "127.0.0.1" : config.bindHost();
        return URI.create("http://" + host + ":" + port());
    }

    public boolean primaryReachable() {
        return !primaryCircuit.isOpen();
    }

    public boolean replicaReachable() {
        return !replicaCircuit.isOpen();
    }

    @Override
    public synchronized void close() throws Exception {
        // The public port first, gracefully: it stops accepting, and requests in flight finish
        // (GracefulDrain, up to the stop timeout) while everything they use still runs. Each part is
        // stopped even when one before it fails (Closing).
        List<AutoCloseable> parts = new ArrayList<>();
        parts.add(stopper(server));
        parts.addAll(primaries.values());
        parts.addAll(Arrays.asList(
                replicaCheck,
                shieldReporter,
                grantsMaintenance,
                control,
                replicaBinding,
                readYourWrites,
                fenceLease,
                fenceView,
                stopper(operatorServer),
                stopper(inProcessReplica),
                stopper(httpClient)));
        try {
            Closing.closeAll(parts.toArray(AutoCloseable[]::new));
        } finally {
            server = null;
            replicaCheck = null;
            shieldReporter = null;
            grantsMaintenance = null;
            control = null;
            replicaBinding = null;
            readYourWrites = null;
            fenceLease = null;
            fenceView = null;
            operatorServer = null;
            inProcessReplica = null;
            httpClient = null;
            if (accessLog != null) {
                // After the server: the lines of the last requests are written before it stops.
                accessLog.close();
                accessLog = null;
            }
        }
    }

    /** After a promotion switched the primary: probe the new one at once instead of at the next interval. */
    private void probePrimarySoon(URI url) {
        primaries.values().iterator().next().probeSoon();
        ReplicaBinding binding = replicaBinding;
        if (binding != null) {
            binding.recompute();
        }
    }

    private static AutoCloseable stopper(LifeCycle lifeCycle) {
        return () -> {
            if (lifeCycle != null) {
                lifeCycle.stop();
            }
        };
    }

    private URI startReplica() throws Exception {
        return switch (config.replica()) {
            case RouterConfig.ReplicaEndpoint.Remote remote -> remote.url();
            case RouterConfig.ReplicaEndpoint.InProcess inProcess -> {
                inProcessReplica = newServer("127.0.0.1", 0, "replica-in-process", false);
                // The replica is an origin: its answers carry their own Date.
                inProcessReplica
                        .getConnectors()[0]
                        .getConnectionFactory(HttpConnectionFactory.class)
                        .getHttpConfiguration()
                        .setSendDateHeader(true);
                inProcessReplica.setHandler(inProcess.handler());
                inProcessReplica.start();
                yield URI.create("http://127.0.0.1:"
                        + ((ServerConnector) inProcessReplica.getConnectors()[0]).getLocalPort());
            }
        };
    }

    private HttpClient newHttpClient() {
        // Its threads may run a client connection Jetty resumes after a proxied answer (InlineResume).
        QueuedThreadPool threads = InlineResume.clientPool();
        threads.setName("router-client");
        HttpClient client = new HttpClient();
        client.setExecutor(threads);
        client.setFollowRedirects(false); // a redirect is the client's to follow (pre-signed storage)
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setConnectTimeout(config.timeouts().connect().toMillis());
        client.setIdleTimeout(config.timeouts().idle().toMillis());
        client.setMaxConnectionsPerDestination(512);
        client.setUserAgentField(null); // the client's own User-Agent passes through
        // Jetty's client sends at most 8 KiB of headers by default, less than the listener takes.
        client.setMaxRequestHeadersSize(RequestLimits.MAX_HEADER_BYTES);
        client.getContentDecoderFactories().clear(); // bodies pass as they are, compressed or not
        // Large blobs: each upstream read becomes one write to the client and one demand round
        // trip, so read in large pieces (16 KiB by default), from a pool that keeps buffers that
        // large (Jetty's default pool allocates anything above 64 KiB afresh every time).
        client.setByteBufferPool(new ArrayByteBufferPool(0, 4096, UPSTREAM_READ_BUFFER));
        client.setResponseBufferSize(UPSTREAM_READ_BUFFER);
        // The proxy's listeners never block (StreamingProxy): they run on the selector thread that
        // read the bytes instead of being handed to a pool thread. Handed off, a large blob cost a
        // thread wake-up and a selector wake-up per upstream read (distribution writes 32 KiB at
        // a time): 1,700-3,500 context switches per 256 MiB pull against about 170 now.
        client.getHttpClientTransport().setInvocationType(InvocationType.NON_BLOCKING);
        config.egress().sslContext().ifPresent(context -> {
            // primary.caBundle: the primary (and its token service) behind an internal CA. Jetty's
            // client factory checks the host name (endpoint identification HTTPS) by default.
            SslContextFactory.Client tls = new SslContextFactory.Client();
            tls.setSslContext(context);
            client.setSslContextFactory(tls);
        });
        return client;
    }

    /**
     * Jetty's client installs its protocol handlers in {@code doStart()} (100 Continue, 102, 103,
     * redirects, WWW- and Proxy-Authentication), so clearing them before the start does nothing. The
     * authentication handlers would act on a 401 themselves (a bare 401 without a challenge, as a
     * token service answers wrong credentials, fails the exchange and became a 503) and the
     * redirect handler would follow what is the client's to follow: every upstream answer must
     * reach the client untouched. The interim-response handlers (100, 102, 103) stay: they only
     * consume interim responses, which the proxy does not forward.
     */
    static void passUpstreamStatusesThrough(HttpClient client) {
        ProtocolHandlers handlers = client.getProtocolHandlers();
        handlers.remove(WWWAuthenticationProtocolHandler.NAME);
        handlers.remove(ProxyAuthenticationProtocolHandler.NAME);
        handlers.remove(RedirectProtocolHandler.NAME);
    }

    /** @param isPublic the listener clients reach: it gets their header deadline too */
    private Server newServer(String host, int port, String name, boolean isPublic) {
        // The public listener's pool and connections are measured (JettyMetrics); Jetty's default sizes.
        QueuedThreadPool threads =
                isPublic ? JettyMetrics.of(registry).threadPool(name, 200, 8) : new QueuedThreadPool();
        threads.setName(name);
        // Handlers block on the fence table and the replica check: let them do it on virtual threads.
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Server s = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false); // the upstream's Server and Date pass through
        http.setSendDateHeader(false);
        http.setRequestHeaderSize(RequestLimits.MAX_HEADER_BYTES);
        // Ambiguous paths reach the route table, which refuses them with an OCI error body.
        http.setUriCompliance(UriCompliance.UNSAFE);
        HttpConnectionFactory factory = new HttpConnectionFactory(http);
        ServerConnector connector;
        if (isPublic) {
            InlineResume resume = new InlineResume(threads);
            // What every listener clients reach gets: buffers of each connection's own (Jetty may
            // fill a refused request's buffer after releasing it: RouterBufferBleedIT), the clients'
            // deadlines, an accept queue for bursts.
            connector = ClientConnector.create(
                    s,
                    resume,
                    http,
                    JettyMetrics.of(registry).connections(name, factory),
                    config.timeouts().clients());
            // A connection Jetty resumes after a proxied answer runs on the client thread that wrote
            // the answer, once the started server's handlers are known not to block (RouterInlineResumeIT).
            s.addEventListener(new LifeCycle.Listener() {
                @Override
                public void lifeCycleStarted(LifeCycle event) {
                    resume.handlersNonBlocking(s.getInvocationType());
                }
            });
        } else {
            connector = new ServerConnector(s, factory);
        }
        connector.setHost(host);
        connector.setPort(port);
        if (!isPublic) {
            connector.setIdleTimeout(config.timeouts().idle().toMillis());
        }
        s.addConnector(connector);
        // Jetty's own refusals (malformed requests, oversized headers) answer with an OCI error body, never HTML.
        s.setErrorHandler(OciErrorHandler.forRegistryApi());
        s.setStopTimeout(5_000);
        return s;
    }
}
