package io.georeg.router;

import io.georeg.egress.PrimaryEgress;
import io.georeg.ops.ClientDeadlines;
import io.georeg.replica.cache.ReplicaCacheOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Handler;

/**
 * The router's typed configuration. Built by the app's wiring from YAML (the key names in
 * {@link #validate()}'s messages are the ones under {@code router:}); {@link Router} refuses to
 * start with an invalid one. {@code admin}, {@code outageTokens}, {@code operator}, {@code
 * accessLog} and {@code egress} may be null: each then takes its default ({@link #of} sets every
 * optional part so; the {@code with…} methods change one).
 *
 * @param publicUrl    the one URL clients use (scheme, host, optional port; no path)
 * @param bindHost     interface to listen on ({@code 0.0.0.0} for all)
 * @param port         port to listen on; 0 picks a free one (see {@link Router#port()})
 * @param primaryUrl   the primary site's registry (scheme, host, port)
 * @param authUrl      the primary's token endpoint, as its registry's {@code auth.token.realm}
 *                     names it; null when the primary has no token auth
 * @param authPath     the token endpoint's path on the public URL (GitLab: {@code /jwt/auth})
 * @param replica      where registry-read is: a URL, or a handler to host in this process
 * @param timeouts     upstream timeouts and health-check cadence
 * @param limits       request size limits
 * @param circuit      when to consider the primary down
 * @param fenceTtl     how long a read-your-writes fence may pin reads to the primary at most
 * @param fenceLease   how long a renewal of the router's fence lease holds (reads check fences in
 *                     memory while it is valid); zero turns the leases off (a fence generation
 *                     query before each read); null: {@link #DEFAULT_FENCE_LEASE}
 * @param admin        the admin API ({@code /-/admin/}) token and how often the shared admin
 *                     state is polled
 * @param outageTokens the outage shield of the token route (the app's {@code auth.token} and
 *                     {@code auth.outage}); off by default
 * @param operator     the operator listener (admin API, metrics, status page), apart from the
 *                     public one
 * @param accessLog    which requests get an access log line and where it goes
 * @param egress       how the primary and its token service are reached: the app's
 *                     {@code primary.caBundle} and {@code primary.proxy}; direct by default
 */
public record RouterConfig(
        URI publicUrl,
        String bindHost,
        int port,
        URI primaryUrl,
        URI authUrl,
        String authPath,
        ReplicaEndpoint replica,
        Timeouts timeouts,
        Limits limits,
        Circuit circuit,
        Duration fenceTtl,
        Duration fenceLease,
        Admin admin,
        OutageTokens outageTokens,
        Operator operator,
        AccessLog accessLog,
        PrimaryEgress egress) {

    /**
     * The outage shield: while the primary's token service is unreachable the router answers token
     * requests itself, pull only, for what the primary granted (see {@code docs/security.md}).
     * These keys live in the app's {@code auth} section, beside registry-read's.
     *
     * @param primaryTokens the primary's {@code auth.token} settings: its answers are verified
     *                      against this bundle before their grants are believed, and outage tokens
     *                      carry its {@code service}
     * @param outage        {@code auth.outage}: the site key and the rules of outage tokens
     */
    public record OutageTokens(
            io.georeg.token.TokenAuthConfig primaryTokens, io.georeg.token.site.OutageTokenConfig outage) {
        public static OutageTokens off() {
            return new OutageTokens(null, io.georeg.token.site.OutageTokenConfig.off());
        }

        /** Both the primary's token settings and an enabled {@code auth.outage}. */
        public boolean enabled() {
            return primaryTokens != null && outage != null && outage.enabled();
        }
    }

    /**
     * The access log ({@link io.georeg.router.AccessLog}): written by one thread off the request
     * path, so a slow console or disk never holds a request.
     *
     * @param mode        {@code all}: every request; {@code sampled}: one request in
     *                    {@code sampleEvery} and every request that failed or answered 5xx;
     *                    {@code off}: none
     * @param sampleEvery with {@code sampled}, one line per this many requests
     * @param file        append the lines to this file instead of the logger
     *                    {@code io.georeg.router.access} (the console); null: the logger
     * @param queueLines  lines waiting for the writer at most; beyond that lines are dropped and
     *                    counted ({@code georeg_router_access_log_dropped_total})
     */
    public record AccessLog(Mode mode, int sampleEvery, java.nio.file.Path file, int queueLines) {
        public enum Mode {
            OFF,
            SAMPLED,
            ALL;

            /** As the configuration names it: {@code off}, {@code sampled}, {@code all}. */
            @com.fasterxml.jackson.annotation.JsonValue
            public String key() {
                return name().toLowerCase(java.util.Locale.ROOT);
            }

            @com.fasterxml.jackson.annotation.JsonCreator
            public static Mode of(String key) {
                for (Mode m : values()) {
                    if (m.key().equals(key)) {
                        return m;
                    }
                }
                throw new IllegalArgumentException("router.accessLog.mode: one of off, sampled, all; got " + key);
            }
        }

        public static AccessLog defaults() {
            return new AccessLog(Mode.SAMPLED, 100, null, 16384);
        }
    }

    /**
     * The admin API used by {@code georeg drill} and {@code georeg promote}.
     *
     * @param token        bearer token the API requires; null or blank: the API answers 404
     * @param pollInterval how often the router re-reads the mode and primary URL shared through
     *                     the tracking database (a switch through one router reaches the others
     *                     within this)
     * @param storeTimeout how long one read or write of that shared state may wait for the
     *                     database once it has a pooled connection (waiting for one is bounded by
     *                     {@code database.connectionTimeout}): a switch made while the database does
     *                     not answer is applied on this router after this long, and stored later
     */
    public record Admin(String token, Duration pollInterval, Duration storeTimeout) {
        /** The shortest admin token accepted: 32 characters, e.g. {@code openssl rand -hex 32} makes 64. */
        public static final int MIN_TOKEN_LENGTH = 32;

        public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
        /**
         * Short enough that a switch answers well within the 10 s {@code georeg drill} and {@code
         * georeg promote} wait for it, with {@code database.connectionTimeout} (5 s) on top; long
         * enough for a healthy database's three round trips under load.
         */
        public static final Duration DEFAULT_STORE_TIMEOUT = Duration.ofSeconds(2);
        /** Below this a busy but healthy database would count as stalled. */
        static final Duration MIN_STORE_TIMEOUT = Duration.ofMillis(100);

        /** With the default {@code storeTimeout}. */
        public Admin(String token, Duration pollInterval) {
            this(token, pollInterval, DEFAULT_STORE_TIMEOUT);
        }

        public Admin {
            pollInterval = pollInterval == null ? DEFAULT_POLL_INTERVAL : pollInterval;
            storeTimeout = storeTimeout == null ? DEFAULT_STORE_TIMEOUT : storeTimeout;
        }

        public static Admin defaults() {
            return new Admin(null, DEFAULT_POLL_INTERVAL, DEFAULT_STORE_TIMEOUT);
        }

        public boolean enabled() {
            return token != null && !token.isBlank();
        }

        @Override
        public String toString() {
            return "Admin[token=" + (enabled() ? "<redacted>" : "none") + ", pollInterval=" + pollInterval
                    + ", storeTimeout=" + storeTimeout + "]";
        }
    }

    /**
     * The operator listener: the admin API, {@code /metrics}, the status page and health, on a
     * port of its own that is never the public one (the chart's Ingress does not route to it).
     *
     * @param bindHost interface to listen on; loopback by default, the pod's address in a cluster
     * @param port     port to listen on; 0 picks a free one (see {@link Router#operatorPort()})
     */
    public record Operator(String bindHost, int port) {
        public static Operator defaults() {
            return new Operator("127.0.0.1", 0);
        }
    }

    /**
     * Where the read replica (registry-read) answers, and how stale its answers can be: the
     * longest a registry-read instance may still answer from its cache what the database no
     * longer holds (its {@code replica.cache.tagTtl}; zero without a cache). A read-your-writes
     * fence keeps pinning reads that long after a replica first showed its write, since another
     * registry-read instance may not have heard of the change yet.
     */
    public sealed interface ReplicaEndpoint {
        Duration staleness();

        /** registry-read in another process (or anywhere reachable over HTTP). */
        record Remote(URI url, Duration staleness) implements ReplicaEndpoint {
            /** With registry-read's default cache. */
            public Remote(URI url) {
                this(url, ReplicaCacheOptions.DEFAULT_TAG_TTL);
            }
        }

        /**
         * registry-read's Jetty handler, hosted by the router in this process on an internal
         * loopback connector, so that replica answers go through exactly the same proxy path
         * (fallback, headers, metrics) as a remote replica's.
         */
        record InProcess(Handler handler, Duration staleness) implements ReplicaEndpoint {
            /** With registry-read's default cache. */
            public InProcess(Handler handler) {
                this(handler, ReplicaCacheOptions.DEFAULT_TAG_TTL);
            }
        }
    }

    /**
     * @param connect        TCP connect to an upstream; also bounds how long a write waits on a
     *                       dead primary before the client gets its 503 (keep it under 2 s)
     * @param idle           an upstream exchange may be silent this long (large uploads stream
     *                       for longer than this in total; only silence counts)
     * @param healthInterval how often the primary and the replica are probed
     * @param healthTimeout  how long one probe may take
     * @param clientHeaders  how long a client may take from the first byte of a request to the end
     *                       of its headers (a client that trickles them is cut off); a client
     *                       connection may be silent for {@code idle}
     * @param clientMinBodyRate the least average rate, in bytes per second, at which a client's
     *                       request body must arrive (a client that trickles it is cut off); 0 off
     */
    public record Timeouts(
            Duration connect,
            Duration idle,
            Duration healthInterval,
            Duration healthTimeout,
            Duration clientHeaders,
            long clientMinBodyRate) {
        /** With the default header deadline and body rate. */
        public Timeouts(Duration connect, Duration idle, Duration healthInterval, Duration healthTimeout) {
            this(connect, idle, healthInterval, healthTimeout, ClientDeadlines.DEFAULT_HEADERS);
        }

        /** With the default body rate. */
        public Timeouts(
                Duration connect,
                Duration idle,
                Duration healthInterval,
                Duration healthTimeout,
                Duration clientHeaders) {
            this(connect, idle, healthInterval, healthTimeout, clientHeaders, ClientDeadlines.DEFAULT_MIN_BODY_RATE);
        }

        public static Timeouts defaults() {
            return new Timeouts(
                    Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofSeconds(2), Duration.ofSeconds(1));
        }

        /** What the router's public listener allows its clients. */
        public ClientDeadlines clients() {
            return new ClientDeadlines(clientHeaders, idle, clientMinBodyRate);
        }
    }

    /**
     * @param maxRequestBodyBytes largest request body forwarded (a chunk of a chunked upload is
     *                            one request); 0 for no limit
     * @param maxHeldBodyBytes    largest upstream body the router holds to look at (replica 404s
     *                            before a fallback, manifest PUT answers); larger ones stream
     */
    public record Limits(long maxRequestBodyBytes, int maxHeldBodyBytes) {
        public static Limits defaults() {
            return new Limits(0, 64 * 1024);
        }
    }

    /**
     * @param failureThreshold consecutive failed probes or connects that open the circuit
     */
    public record Circuit(int failureThreshold) {
        public static Circuit defaults() {
            return new Circuit(3);
        }
    }

    /** The fence lease when none is configured. */
    public static final Duration DEFAULT_FENCE_LEASE = Duration.ofSeconds(3);

    public RouterConfig {
        Objects.requireNonNull(timeouts, "timeouts");
        fenceLease = fenceLease == null ? DEFAULT_FENCE_LEASE : fenceLease;
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(circuit, "circuit");
        admin = admin == null ? Admin.defaults() : admin;
        outageTokens = outageTokens == null ? OutageTokens.off() : outageTokens;
        operator = operator == null ? Operator.defaults() : operator;
        accessLog = accessLog == null ? AccessLog.defaults() : accessLog;
        egress = egress == null ? PrimaryEgress.DIRECT : egress;
    }

    /** A configuration with every optional part at its default. */
    public static RouterConfig of(URI publicUrl, int port, URI primaryUrl, URI authUrl, ReplicaEndpoint replica) {
        return new RouterConfig(
                publicUrl,
                "127.0.0.1",
                port,
                primaryUrl,
                authUrl,
                "/jwt/auth",
                replica,
                Timeouts.defaults(),
                Limits.defaults(),
                Circuit.defaults(),
                Duration.ofHours(24),
                null,
                null,
                null,
                null,
                null,
                null);
    }

    public RouterConfig withPublicUrl(URI url) {
        return with(c -> c.publicUrl = url);
    }

    public RouterConfig withTimeouts(Timeouts t) {
        return with(c -> c.timeouts = t);
    }

    public RouterConfig withLimits(Limits l) {
        return with(c -> c.limits = l);
    }

    public RouterConfig withAuthPath(String path) {
        return with(c -> c.authPath = path);
    }

    public RouterConfig withAdmin(Admin a) {
        return with(c -> c.admin = a);
    }

    public RouterConfig withAccessLog(AccessLog a) {
        return with(c -> c.accessLog = a);
    }

    public RouterConfig withOutageTokens(OutageTokens o) {
        return with(c -> c.outageTokens = o);
    }

    public RouterConfig withOperator(Operator o) {
        return with(c -> c.operator = o);
    }

    public RouterConfig withEgress(PrimaryEgress e) {
        return with(c -> c.egress = e);
    }

    /** With the fence lease at {@code lease} (zero: off). */
    public RouterConfig withFenceLease(Duration lease) {
        return with(c -> c.fenceLease = lease);
    }

    /** A copy of this configuration with one part changed by {@code change}. */
    private RouterConfig with(Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return c.build();
    }

    /** A changeable copy of every part, for the {@code with…} methods: each sets one. */
    private static final class Copy {
        URI publicUrl;
        String bindHost;
        int port;
        URI primaryUrl;
        URI authUrl;
        String authPath;
        ReplicaEndpoint replica;
        Timeouts timeouts;
        Limits limits;
        Circuit circuit;
        Duration fenceTtl;
        Duration fenceLease;
        Admin admin;
        OutageTokens outageTokens;
        Operator operator;
        AccessLog accessLog;
        PrimaryEgress egress;

        Copy(RouterConfig c) {
            publicUrl = c.publicUrl;
            bindHost = c.bindHost;
            port = c.port;
            primaryUrl = c.primaryUrl;
            authUrl = c.authUrl;
            authPath = c.authPath;
            replica = c.replica;
            timeouts = c.timeouts;
            limits = c.limits;
            circuit = c.circuit;
            fenceTtl = c.fenceTtl;
            fenceLease = c.fenceLease;
            admin = c.admin;
            outageTokens = c.outageTokens;
            operator = c.operator;
            accessLog = c.accessLog;
            egress = c.egress;
        }

        RouterConfig build() {
            return new RouterConfig(
                    publicUrl,
                    bindHost,
                    port,
                    primaryUrl,
                    authUrl,
                    authPath,
                    replica,
                    timeouts,
                    limits,
                    circuit,
                    fenceTtl,
                    fenceLease,
                    admin,
                    outageTokens,
                    operator,
                    accessLog,
                    egress);
        }
    }

    /** All problems at once, each naming its key and the fix; empty when valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        originOnly("router.publicUrl", publicUrl, problems);
        originOnly("router.primaryUrl", primaryUrl, problems);
        problems.addAll(egress.problems());
        if (authUrl != null && (!isHttp(authUrl) || authUrl.getHost() == null)) {
            problems.add(
                    "router.authUrl: must be an absolute http(s) URL of the primary's token endpoint, e.g. https://gitlab.example.com/jwt/auth; got "
                            + authUrl);
        }
        if (authPath == null || !authPath.startsWith("/") || authPath.startsWith("/v2/") || authPath.equals("/v2")) {
            problems.add("router.authPath: must be an absolute path outside /v2/, e.g. /jwt/auth; got " + authPath);
        }
        if (bindHost == null || bindHost.isBlank()) {
            problems.add("router.bindHost: set the interface to listen on, e.g. 0.0.0.0");
        }
        if (port < 0 || port > 65535) {
            problems.add("router.port: must be 0..65535 (0 picks a free port); got " + port);
        }
        if (replica == null) {
            problems.add("router.replicaUrl: set the URL of registry-read, or run it in this process");
        } else if (replica instanceof ReplicaEndpoint.Remote remote) {
            originOnly("router.replicaUrl", remote.url(), problems);
        }
        positive("router.timeouts.connect", timeouts.connect(), problems);
        positive("router.timeouts.idle", timeouts.idle(), problems);
        positive("router.timeouts.healthInterval", timeouts.healthInterval(), problems);
        positive("router.timeouts.healthTimeout", timeouts.healthTimeout(), problems);
        positive("router.timeouts.clientHeaders", timeouts.clientHeaders(), problems);
        if (timeouts.clientMinBodyRate() < 0) {
            problems.add("router.timeouts.clientMinBodyRate: 0 (off) or a rate in bytes per second, e.g. "
                    + ClientDeadlines.DEFAULT_MIN_BODY_RATE + "; got " + timeouts.clientMinBodyRate());
        }
        if (timeouts.connect() != null && timeouts.connect().compareTo(Duration.ofMillis(1900)) > 0) {
            problems.add(
                    "router.timeouts.connect: at most 1.9s, so that writes fail within 2 s when the primary is down; got "
                            + timeouts.connect());
        }
        if (limits.maxRequestBodyBytes() < 0) {
            problems.add("router.limits.maxRequestBodyBytes: 0 (no limit) or a positive byte count; got "
                    + limits.maxRequestBodyBytes());
        }
        if (limits.maxHeldBodyBytes() < 1024) {
            problems.add("router.limits.maxHeldBodyBytes: at least 1024; got " + limits.maxHeldBodyBytes());
        }
        if (accessLog.mode() == null) {
            problems.add("router.accessLog.mode: one of off, sampled, all");
        }
        if (accessLog.sampleEvery() < 1) {
            problems.add("router.accessLog.sampleEvery: at least 1 (every request); got " + accessLog.sampleEvery());
        }
        if (accessLog.queueLines() < 1) {
            problems.add("router.accessLog.queueLines: at least 1; got " + accessLog.queueLines());
        }
        if (circuit.failureThreshold() < 1) {
            problems.add("router.circuit.failureThreshold: at least 1; got " + circuit.failureThreshold());
        }
        positive("router.fenceTtl", fenceTtl, problems);
        if (fenceLease.isNegative() || (!fenceLease.isZero() && fenceLease.toMillis() < 100)) {
            problems.add("router.fenceLease: 0 (off: a fence generation query before each read) or at least 100ms,"
                    + " e.g. 3s; got " + fenceLease);
        }
        positive("router.admin.pollInterval", admin.pollInterval(), problems);
        if (admin.storeTimeout().compareTo(Admin.MIN_STORE_TIMEOUT) < 0) {
            problems.add("router.admin.storeTimeout: at least " + Admin.MIN_STORE_TIMEOUT.toMillis()
                    + "ms, e.g. 2s (how long a read or write of the shared admin state may wait for the database); got "
                    + admin.storeTimeout());
        }
        if (admin.enabled() && admin.token().strip().length() < Admin.MIN_TOKEN_LENGTH) {
            problems.add("router.admin.token: at least " + Admin.MIN_TOKEN_LENGTH + " characters, e.g. the output of"
                    + " `openssl rand -hex 32`; got " + admin.token().strip().length());
        }
        if (operator.bindHost() == null || operator.bindHost().isBlank()) {
            problems.add(
                    "router.operator.bindHost: set the interface of the operator listener, e.g. 127.0.0.1 or the pod's address");
        }
        if (operator.port() < 0 || operator.port() > 65535) {
            problems.add("router.operator.port: must be 0..65535 (0 picks a free port); got " + operator.port());
        } else if (operator.port() != 0 && operator.port() == port) {
            problems.add("router.operator.port: must differ from router.port (" + port
                    + "): the operator endpoints never share the public listener");
        }
        return problems;
    }

    /** Throws with every problem listed when the configuration is invalid. */
    public RouterConfig validate() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid router configuration:\n  " + String.join("\n  ", problems));
        }
        return this;
    }

    private static void originOnly(String key, URI url, List<String> problems) {
        if (url == null || !isHttp(url) || url.getHost() == null) {
            problems.add(key + ": must be an absolute http(s) URL such as https://registry.example.com; got " + url);
        } else if (url.getRawPath() != null
                && !url.getRawPath().isEmpty()
                && !url.getRawPath().equals("/")) {
            problems.add(key + ": must not have a path (the registry API lives at /v2/); got " + url);
        }
    }

    private static boolean isHttp(URI url) {
        return url.isAbsolute() && ("http".equals(url.getScheme()) || "https".equals(url.getScheme()));
    }

    private static void positive(String key, Duration d, List<String> problems) {
        if (d == null || d.isZero() || d.isNegative()) {
            problems.add(key + ": must be a positive duration; got " + d);
        }
    }
}
