package io.georeg.testkit.primary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.georeg.testkit.auth.TestTokenIssuer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One HTTP server on 127.0.0.1 (an ephemeral port) in front of a real distribution registry: a
 * product's own API under its prefix ({@link GitLabRegistryApi}, {@link HarborApi}), everything
 * else forwarded to the registry, so the replicator sees one primary URL as it would with GitLab
 * or Harbor. The API fakes read what repositories exist from the registry's catalog with a token
 * the registry's issuer signs (they are the registry's own metadata in the real products).
 */
public final class RegistryApiFront implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final RegistryProxy proxy;
    private final URI registry;
    private final TestTokenIssuer issuer;
    private final AtomicInteger apiRequests = new AtomicInteger();

    RegistryApiFront(URI registry, TestTokenIssuer issuer, String apiPrefix, HttpHandler api) {
        this.registry = registry;
        this.issuer = issuer;
        this.proxy = new RegistryProxy(registry);
        this.executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "registry-api-front");
            t.setDaemon(true);
            return t;
        });
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the registry API front", e);
        }
        server.setExecutor(executor);
        server.createContext("/", proxy);
        server.createContext(apiPrefix, ex -> {
            apiRequests.incrementAndGet();
            try {
                api.handle(ex);
            } catch (IOException | RuntimeException e) {
                // The JDK server would drop the connection without a word: say what broke.
                System.err.println("registry API fake failed on " + ex.getRequestMethod() + " " + ex.getRequestURI());
                e.printStackTrace();
                throw e;
            }
        });
        server.start();
    }

    /** The base URL to give the replicator as the primary. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Requests the product's API answered (not those forwarded to the registry). */
    public int apiRequests() {
        return apiRequests.get();
    }

    /**
     * GitLab's registry: {@link GitLabRegistryApi} under {@code /gitlab/v1/} in front of
     * {@code registry} (whose {@code auth.token} trusts {@code issuer} and names {@code realm}),
     * renames moving the repositories in {@code storageRoot} and notifying {@code notify}.
     */
    public static RegistryApiFront gitlab(
            URI registry,
            TestTokenIssuer issuer,
            URI realm,
            java.nio.file.Path storageRoot,
            GitLabRegistryApi.Notify notify) {
        return new RegistryApiFront(
                registry, issuer, "/gitlab/v1/", new GitLabRegistryApi(registry, issuer, realm, storageRoot, notify));
    }

    /** Harbor: {@link HarborApi} under {@code /api/v2.0/} in front of {@code registry}, robot accounts from {@code tokens}. */
    public static RegistryApiFront harbor(URI registry, io.georeg.testkit.auth.TestTokenEndpoint tokens) {
        return new RegistryApiFront(registry, tokens.issuer(), "/api/v2.0/", new HarborApi(registry, tokens));
    }

    /** Every repository of the registry, sorted, from its catalog read with an all-access token. */
    static List<String> repositories(URI registry, TestTokenIssuer issuer) {
        List<String> names = new ArrayList<>();
        try (HttpClient http = HttpClient.newHttpClient()) {
            String last = null;
            while (true) {
                // distribution 2.8 serves at most 1000 names a page.
                String query = "/v2/_catalog?n=1000"
                        + (last == null
                                ? ""
                                : "&last=" + java.net.URLEncoder.encode(last, java.nio.charset.StandardCharsets.UTF_8));
                HttpResponse<byte[]> r = http.send(
                        HttpRequest.newBuilder(registry.resolve(query))
                                .header(
                                        "Authorization",
                                        "Bearer " + issuer.token().catalog().sign())
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("registry catalog answered " + r.statusCode());
                }
                List<String> page = new ArrayList<>();
                JSON.readTree(r.body()).path("repositories").forEach(n -> page.add(n.asText()));
                names.addAll(page);
                if (page.size() < 1000) {
                    break;
                }
                last = page.getLast();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        names.sort(null);
        return names;
    }

    static void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = body instanceof JsonNode n ? JSON.writeValueAsBytes(n) : JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
    }

    static ObjectMapper json() {
        return JSON;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        proxy.close();
    }
}
