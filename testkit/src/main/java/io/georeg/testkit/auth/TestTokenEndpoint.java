package io.georeg.testkit.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token service in the style of GitLab's {@code /jwt/auth} (the distribution token
 * protocol): a process of its own beside the primary registry, as GitLab serves {@code /jwt/auth}
 * from Rails and not from the registry. {@link Builder#harbor()} makes it Harbor's instead:
 * {@code /service/token}, 30-minute tokens, robot accounts named {@code robot$<name>}. The JDK's HTTP server on 127.0.0.1, on an ephemeral port
 * kept across {@link #stop()} and {@link #restart()} so a test can take the token service down and
 * bring it back independently of the registry. {@code GET /jwt/auth?service=…&scope=repository:a/b:pull,push[&scope=…]}
 * with HTTP basic auth answers {@code {"token":…,"access_token":…,"expires_in":300,"issued_at":…}}
 * with a 5-minute token of {@link TestTokenIssuer}.
 *
 * <p>Users are name → password; what each may do is a list of grants (repository pattern →
 * actions, a pattern ending in {@code /*} covers everything below it, {@code *} everything), and
 * the token holds only the asked actions a grant allows, as GitLab's {@code JwtController} does.
 * Without credentials, only {@code pull} of the anonymous repositories is granted (or 401 when there
 * are none); bad credentials are 401 and a wrong {@code service} is 400. {@link #start(TestTokenIssuer, Map, boolean)}
 * is the short form: every user may do everything. {@link #requests()} counts the tokens issued.
 *
 * <p>With {@link Builder#oauth2()} it also issues refresh tokens as Docker Hub's does (distribution's
 * "OAuth2 Token Authentication"): a login asking {@code offline_token=true} ({@code GET}, docker's
 * {@code docker login}) or {@code access_type=offline} (a password grant) gets a {@code
 * refresh_token} in its answer, which a {@code POST} with {@code grant_type=refresh_token} then
 * trades for tokens of the same user, as docker does for every pull once it holds one (answered
 * with the same refresh token); {@link #revokeRefreshTokens} revokes a user's.
 *
 * <pre>{@code
 * TestTokenEndpoint tokens = TestTokenEndpoint.builder(issuer)
 *         .user("alice", "s3cret").grant("alice", "team/*", "pull", "push")
 *         .anonymousPull("public/*").start();
 * tokens.stop();      // connection refused, like a token service that is down
 * tokens.restart();   // the same realm again
 * tokens.failWith(503);   // up, but answering 503 until failWith(0)
 * }</pre>
 */
public final class TestTokenEndpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    public static final String PATH = "/jwt/auth";
    public static final int LIFETIME_SECONDS = 300;
    /** Harbor's token path and its default token lifetime (30 minutes). */
    public static final String HARBOR_PATH = "/service/token";

    public static final int HARBOR_LIFETIME_SECONDS = 1800;

    private final TestTokenIssuer issuer;
    private final Map<String, String> users;
    private final Map<String, List<Grant>> grants;
    /** Refresh tokens issued: token → user. */
    private final Map<String, String> refreshTokens = new ConcurrentHashMap<>();

    private final List<String> anonymousRepositories;
    private final ExecutorService executor;
    private final AtomicInteger issued = new AtomicInteger();
    private final List<List<String>> scopeRequests = new ArrayList<>();
    private final AtomicInteger failureStatus = new AtomicInteger();
    private final AtomicInteger refreshRefusal = new AtomicInteger(401);
    private final int port;
    private final String path;
    private final int lifetimeSeconds;
    private final boolean oauth2;
    private HttpServer server;

    /** One grant: actions on the repositories a pattern covers. */
    private record Grant(String pattern, Set<String> actions) {
        boolean covers(String repository) {
            return covers(pattern, repository);
        }

        static boolean covers(String pattern, String repository) {
            if (pattern.equals("*")) {
                return true;
            }
            if (pattern.endsWith("/*")) {
                return repository.startsWith(pattern.substring(0, pattern.length() - 1));
            }
            return pattern.equals(repository);
        }
    }

    /** Builds a token service: its users, their grants and the anonymous repositories. */
    public static final class Builder {
        private final TestTokenIssuer issuer;
        private final Map<String, String> users = new LinkedHashMap<>();
        private final Map<String, List<Grant>> grants = new LinkedHashMap<>();
        private final List<String> anonymous = new ArrayList<>();
        private String path = PATH;
        private int lifetimeSeconds = LIFETIME_SECONDS;
        private boolean oauth2;

        private Builder(TestTokenIssuer issuer) {
            this.issuer = issuer;
        }

        /** Harbor's shape: tokens at {@value #HARBOR_PATH}, valid for {@value #HARBOR_LIFETIME_SECONDS} seconds. */
        public Builder harbor() {
            this.path = HARBOR_PATH;
            this.lifetimeSeconds = HARBOR_LIFETIME_SECONDS;
            return this;
        }

        /**
         * Also answers OAuth2 grants: a {@code POST} with {@code grant_type=password}, {@code
         * username}, {@code password} and {@code scope} in its form, as docker's token servers do
         * (containerd asks so first), or {@code grant_type=refresh_token} with a {@code
         * refresh_token} this service issued; and issues refresh tokens to offline logins. Without
         * it a {@code POST} is answered 405 and no refresh token is issued.
         */
        public Builder oauth2() {
            this.oauth2 = true;
            return this;
        }

        public Builder user(String name, String password) {
            users.put(name, password);
            return this;
        }

        /** Lets {@code user} do {@code actions} on the repositories {@code pattern} covers ({@code a/b}, {@code team/*}, {@code *}). */
        public Builder grant(String user, String pattern, String... actions) {
            grants.computeIfAbsent(user, u -> new ArrayList<>()).add(new Grant(pattern, Set.of(actions)));
            return this;
        }

        /** Lets requests without credentials pull the repositories {@code pattern} covers. */
        public Builder anonymousPull(String pattern) {
            anonymous.add(pattern);
            return this;
        }

        public TestTokenEndpoint start() {
            try {
                TestTokenEndpoint e =
                        new TestTokenEndpoint(issuer, users, grants, anonymous, path, lifetimeSeconds, oauth2);
                e.server.start();
                return e;
            } catch (IOException ex) {
                throw new IllegalStateException("cannot start the test token endpoint", ex);
            }
        }
    }

    private TestTokenEndpoint(
            TestTokenIssuer issuer,
            Map<String, String> users,
            Map<String, List<Grant>> grants,
            List<String> anonymousRepositories,
            String path,
            int lifetimeSeconds,
            boolean oauth2)
            throws IOException {
        this.issuer = issuer;
        this.oauth2 = oauth2;
        this.path = path;
        this.lifetimeSeconds = lifetimeSeconds;
        this.users = new ConcurrentHashMap<>(users);
        this.grants = Map.copyOf(grants);
        this.anonymousRepositories = List.copyOf(anonymousRepositories);
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "test-token-endpoint");
            t.setDaemon(true);
            return t;
        });
        this.server = bind(0);
        this.port = server.getAddress().getPort();
    }

    public static Builder builder(TestTokenIssuer issuer) {
        return new Builder(issuer);
    }

    /** Starts the endpoint; every user may do everything; {@code anonymousPull}: anyone may pull anything. */
    public static TestTokenEndpoint start(TestTokenIssuer issuer, Map<String, String> users, boolean anonymousPull) {
        Builder b = builder(issuer);
        users.forEach((name, password) -> b.user(name, password).grant(name, "*", "*", "pull", "push", "delete"));
        if (anonymousPull) {
            b.anonymousPull("*");
        }
        return b.start();
    }

    /** The realm to configure: {@code http://127.0.0.1:<port>/jwt/auth} (Harbor: {@code /service/token}). */
    public URI realm() {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public TestTokenIssuer issuer() {
        return issuer;
    }

    /**
     * Whether an {@code Authorization} header (HTTP basic, as a Harbor robot account sends it to
     * Harbor's API) names a user granted {@code action} on {@code repository}: how a fake of a
     * registry's own API beside this service decides.
     */
    public boolean authorizes(String authorization, String repository, String action) {
        String user = authorization == null ? null : authenticate(authorization);
        return user != null && !user.isEmpty() && allows(user, "repository", repository, action);
    }

    /** Whether the header's credentials are a known user's (whatever the user may do). */
    public boolean authenticates(String authorization) {
        String user = authorization == null ? null : authenticate(authorization);
        return user != null && !user.isEmpty();
    }

    public int requests() {
        return issued.get();
    }

    /**
     * The {@code scope} parameters of every token request received so far, one list per request,
     * in arrival order: what a client asked for (several repositories in one request for a
     * cross-repository mount).
     */
    public List<List<String>> scopeRequests() {
        synchronized (scopeRequests) {
            return List.copyOf(scopeRequests);
        }
    }

    /** Stops listening: connections are refused until {@link #restart()}. */
    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    /** Listens again on the same port. */
    public synchronized void restart() {
        stop();
        try {
            server = bind(port);
            server.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot restart the test token endpoint on port " + port, e);
        }
    }

    /** Answers every request with this status (e.g. 503) while up; 0 serves tokens again. */
    public void failWith(int status) {
        failureStatus.set(status);
    }

    /** Revokes every refresh token issued to {@code user}: a refresh grant with one is answered 401 from now on. */
    public void revokeRefreshTokens(String user) {
        refreshTokens.values().removeIf(user::equals);
    }

    /**
     * How a refresh grant with a token not issued (or revoked) is refused: {@code 401} (the
     * default, as the password grant's), or {@code 400} with OAuth2's {@code
     * {"error":"invalid_grant"}} (RFC 6749 section 5.2), as a token service that follows the RFC does.
     */
    public void refuseRefreshGrantsWith(int status) {
        refreshRefusal.set(status);
    }

    /** Changes a user's password (the old one is refused from now on); null removes the user. */
    public void setPassword(String user, String password) {
        if (password == null) {
            users.remove(user);
        } else {
            users.put(user, password);
        }
    }

    private HttpServer bind(int port) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        s.setExecutor(executor);
        s.createContext(path, this::handle);
        return s;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            int failure = failureStatus.get();
            if (failure != 0) {
                send(ex, failure, Map.of("error", "token service failing on purpose"));
                return;
            }
            boolean form = oauth2 && "POST".equals(ex.getRequestMethod());
            if (!"GET".equals(ex.getRequestMethod()) && !form) {
                send(ex, 405, Map.of("error", "use GET"));
                return;
            }
            Map<String, List<String>> query = form
                    ? query(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
                    : query(ex.getRequestURI().getRawQuery());
            synchronized (scopeRequests) {
                scopeRequests.add(List.copyOf(query.getOrDefault("scope", List.of())));
            }
            String service = first(query.get("service"));
            if (service != null && !service.equals(issuer.service())) {
                send(ex, 400, Map.of("error", "unknown service " + service));
                return;
            }
            String grantType = form ? first(query.get("grant_type")) : null;
            String refreshToken = "refresh_token".equals(grantType) ? first(query.get("refresh_token")) : null;
            String user = refreshToken != null
                    ? refreshGrant(refreshToken)
                    : form
                            ? passwordGrant(query)
                            : authenticate(ex.getRequestHeaders().getFirst("Authorization"));
            if (user == null && refreshToken != null && refreshRefusal.get() == 400) {
                send(ex, 400, Map.of("error", "invalid_grant"));
                return;
            }
            if (user == null) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"georeg test token service\"");
                send(ex, 401, Map.of("error", "bad credentials"));
                return;
            }
            TestTokenIssuer.TokenSpec spec = issuer.token().subject(user);
            if (lifetimeSeconds != LIFETIME_SECONDS) {
                // The issuer's tokens last 5 minutes (GitLab's); another lifetime is set here.
                spec.expiresAt(Instant.now().plusSeconds(lifetimeSeconds));
            }
            for (String scope : query.getOrDefault("scope", List.of())) {
                for (String one : scope.split(" ")) {
                    grant(spec, one, user);
                }
            }
            String token = spec.sign();
            issued.incrementAndGet();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("token", token);
            body.put("access_token", token);
            body.put("expires_in", lifetimeSeconds);
            body.put("issued_at", Instant.now().toString());
            boolean offline = form
                    ? "password".equals(grantType) && "offline".equals(first(query.get("access_type")))
                    : "true".equals(first(query.get("offline_token")));
            if (refreshToken != null) {
                body.put("refresh_token", refreshToken);
            } else if (oauth2 && offline && !user.isEmpty()) {
                body.put("refresh_token", issueRefreshToken(user));
            }
            send(ex, 200, body);
        }
    }

    /** Adds to the token the actions of {@code scope} that {@code user} ("" for anonymous) is granted. */
    private void grant(TestTokenIssuer.TokenSpec spec, String scope, String user) {
        int first = scope.indexOf(':');
        int last = scope.lastIndexOf(':');
        if (first < 0 || last <= first) {
            return;
        }
        String type = scope.substring(0, first);
        String name = scope.substring(first + 1, last);
        Set<String> allowed = new LinkedHashSet<>();
        if (!"repository".equals(type)) {
            // registry:catalog:* and the like: only for users granted everything.
            if (user.isEmpty()
                    || grants.getOrDefault(user, List.of()).stream()
                            .noneMatch(
                                    g -> g.pattern().equals("*") && g.actions().contains("*"))) {
                return;
            }
        }
        for (String a : scope.substring(last + 1).split(",")) {
            if (!a.isEmpty() && allows(user, type, name, a)) {
                allowed.add(a);
            }
        }
        if (!allowed.isEmpty()) {
            spec.access(type, name, allowed.toArray(String[]::new));
        }
    }

    private boolean allows(String user, String type, String name, String action) {
        if (!"repository".equals(type)) {
            return true;
        }
        if (user.isEmpty()) {
            return "pull".equals(action) && anonymousRepositories.stream().anyMatch(p -> Grant.covers(p, name));
        }
        for (Grant g : grants.getOrDefault(user, List.of())) {
            if (g.covers(name) && (g.actions().contains(action) || g.actions().contains("*"))) {
                return true;
            }
        }
        // GitLab lets anyone pull a public project, signed in or not.
        return "pull".equals(action) && anonymousRepositories.stream().anyMatch(p -> Grant.covers(p, name));
    }

    /** The user of an OAuth2 password grant's form, null when refused (any other grant type too). */
    private String passwordGrant(Map<String, List<String>> form) {
        String name = first(form.get("username"));
        String password = name == null ? null : users.get(name);
        return "password".equals(first(form.get("grant_type")))
                        && password != null
                        && password.equals(first(form.get("password")))
                ? name
                : null;
    }

    /** The user a refresh token was issued to, null when refused (unknown, revoked, or the user removed). */
    private String refreshGrant(String refreshToken) {
        String user = refreshTokens.get(refreshToken);
        return user != null && users.containsKey(user) ? user : null;
    }

    /** A new refresh token for {@code user}: 32 random bytes, as opaque as a real service's. */
    private String issueRefreshToken(String user) {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        refreshTokens.put(token, user);
        return token;
    }

    /** The user name, "" for anonymous, null when refused. */
    private String authenticate(String header) {
        if (header == null) {
            return anonymousRepositories.isEmpty() ? null : "";
        }
        if (!header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String name = decoded.substring(0, colon);
        String password = users.get(name);
        return password != null && password.equals(decoded.substring(colon + 1)) ? name : null;
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    private static String first(List<String> values) {
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    private static void send(HttpExchange ex, int status, Map<String, ?> body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        stop();
        executor.shutdownNow();
    }
}
