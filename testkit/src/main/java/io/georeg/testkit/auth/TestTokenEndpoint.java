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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token service in the style of GitLab's {@code /jwt/auth} (the distribution token
 * protocol), on the JDK's HTTP server, bound to 127.0.0.1 on an ephemeral port:
 * {@code GET /jwt/auth?service=…&scope=repository:a/b:pull,push[&scope=…]} with HTTP basic
 * auth answers {@code {"token":…,"access_token":…,"expires_in":300,"issued_at":…}}.
 *
 * <p>Users are name → password. Known users get every action they ask for (the tests decide
 * what to ask); no credentials give an anonymous token with only the {@code pull} actions
 * asked for when {@code anonymousPull} is on, else 401; bad credentials are 401. A wrong
 * {@code service} is 400. {@link #requests()} counts the tokens issued, so tests can check
 * that a client fetched one.
 */
public final class TestTokenEndpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String PATH = "/jwt/auth";

    private final TestTokenIssuer issuer;
    private final Map<String, String> users;
    private final boolean anonymousPull;
    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicInteger issued = new AtomicInteger();

    private TestTokenEndpoint(TestTokenIssuer issuer, Map<String, String> users, boolean anonymousPull) throws IOException {
        this.issuer = issuer;
        this.users = Map.copyOf(users);
        this.anonymousPull = anonymousPull;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "test-token-endpoint");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext(PATH, this::handle);
    }

    /** Starts the endpoint; close it to stop. */
    public static TestTokenEndpoint start(TestTokenIssuer issuer, Map<String, String> users, boolean anonymousPull) {
        try {
            TestTokenEndpoint e = new TestTokenEndpoint(issuer, users, anonymousPull);
            e.server.start();
            return e;
        } catch (IOException ex) {
            throw new IllegalStateException("cannot start the test token endpoint", ex);
        }
    }

    /** The realm to configure: {@code http://127.0.0.1:<port>/jwt/auth}. */
    public URI realm() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + PATH);
    }

    public int requests() {
        return issued.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod())) {
                send(ex, 405, Map.of("error", "use GET"));
                return;
            }
            Map<String, List<String>> query = query(ex.getRequestURI().getRawQuery());
            String service = first(query.get("service"));
            if (service != null && !service.equals(issuer.service())) {
                send(ex, 400, Map.of("error", "unknown service " + service));
                return;
            }
            String user = authenticate(ex.getRequestHeaders().getFirst("Authorization"));
            if (user == null) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"georeg test token service\"");
                send(ex, 401, Map.of("error", "bad credentials"));
                return;
            }
            boolean anonymous = user.isEmpty();
            TestTokenIssuer.TokenSpec spec = issuer.token().subject(anonymous ? "" : user);
            for (String scope : query.getOrDefault("scope", List.of())) {
                for (String one : scope.split(" ")) {
                    grant(spec, one, anonymous);
                }
            }
            String token = spec.sign();
            issued.incrementAndGet();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("token", token);
            body.put("access_token", token);
            body.put("expires_in", 300);
            body.put("issued_at", Instant.now().toString());
            send(ex, 200, body);
        }
    }

    private static void grant(TestTokenIssuer.TokenSpec spec, String scope, boolean anonymous) {
        // type:name:actions, where the name may itself contain ':' only before a port (not used here)
        int first = scope.indexOf(':');
        int last = scope.lastIndexOf(':');
        if (first < 0 || last <= first) {
            return;
        }
        String type = scope.substring(0, first);
        String name = scope.substring(first + 1, last);
        List<String> actions = new ArrayList<>();
        for (String a : scope.substring(last + 1).split(",")) {
            if (!a.isEmpty() && (!anonymous || a.equals("pull"))) {
                actions.add(a);
            }
        }
        if (!actions.isEmpty()) {
            spec.access(type, name, actions.toArray(String[]::new));
        }
    }

    /** The user name, "" for anonymous, null when refused. */
    private String authenticate(String header) {
        if (header == null) {
            return anonymousPull ? "" : null;
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
        server.stop(0);
        executor.shutdownNow();
    }
}
