package io.georeg.testkit.tools;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * An HTTP proxy in front of a primary registry whose answer to one chosen request it can hold:
 * the primary answers at once, and the proxy passes that answer on only when the test releases
 * it. Tests use it to land a change on the primary between a replicator's read and what the
 * replicator does with it, at a place they choose. Everything else passes straight through.
 *
 * <p>When routers and a replicator share it ({@link #to(URI, String)}), only the requests of one
 * user agent are held: routers answer pulls from the replica only while the replicator names the
 * primary by the URL they use, so both must go through the one proxy.
 */
public final class HoldingProxy implements AutoCloseable {
    private static final Set<String> HOP_BY_HOP =
            Set.of("host", "connection", "content-length", "transfer-encoding", "expect", "upgrade", "keep-alive");
    /** A hold's status when it holds whatever the primary answered. */
    private static final int ANY_STATUS = -1;

    private final URI primary;
    /** The {@code User-Agent} prefix of the requests whose answers may be held; null for any. */
    private final String heldAgent;

    private final HttpServer server;
    private final HttpClient http =
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final List<Hold> holds = new CopyOnWriteArrayList<>();

    private HoldingProxy(URI primary, String heldAgent) throws IOException {
        this.primary = primary;
        this.heldAgent = heldAgent;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::forward);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    public static HoldingProxy to(URI primary) throws IOException {
        return new HoldingProxy(primary, null);
    }

    /** A proxy that holds only answers to requests whose {@code User-Agent} starts with {@code heldAgent}. */
    public static HoldingProxy to(URI primary, String heldAgent) throws IOException {
        return new HoldingProxy(primary, heldAgent);
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Holds the answer to the next {@code method} request whose path ends with {@code pathSuffix}. */
    public Hold holdNext(String method, String pathSuffix) {
        return add(new Hold(method, pathSuffix, ANY_STATUS));
    }

    /**
     * Holds the answer to the next {@code method} request whose path ends with {@code pathSuffix}
     * and that the primary answered with {@code status}; such requests answered otherwise pass. For
     * a read of something the primary shows only a moment after it notified it (distribution
     * notifies a tag push before it links the tag, so a replicator's first read of the tag may
     * find it missing, and the replicator reads it again).
     */
    public Hold holdNextAnswered(String method, String pathSuffix, int status) {
        return add(new Hold(method, pathSuffix, status));
    }

    /**
     * Holds the answer to the next {@code method} request whose path ends with {@code pathSuffix}
     * and that the primary answered with {@code digest} in {@code Docker-Content-Digest}; such
     * requests answered otherwise pass. For a read of a tag that already existed, which the
     * replicator can read before distribution links the push the test waits for: that read finds
     * the tag's old digest (not a 404), and the replicator reads it again.
     */
    public Hold holdNextAnswering(String method, String pathSuffix, String digest) {
        return add(new Hold(method, pathSuffix, 200, digest));
    }

    private Hold add(Hold hold) {
        holds.add(hold);
        return hold;
    }

    /** One held answer: {@link #arrived()} once the primary answered the request, passed on at {@link #release()}. */
    public static final class Hold {
        private final String method;
        private final String pathSuffix;
        private final int status;
        /** The {@code Docker-Content-Digest} the answer must carry, or null for any. */
        private final String digest;

        private final CountDownLatch arrived = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        private Hold(String method, String pathSuffix, int status) {
            this(method, pathSuffix, status, null);
        }

        private Hold(String method, String pathSuffix, int status, String digest) {
            this.method = method;
            this.pathSuffix = pathSuffix;
            this.status = status;
            this.digest = digest;
        }

        public boolean arrived() {
            return arrived.getCount() == 0;
        }

        public void release() {
            released.countDown();
        }

        private boolean matches(HttpExchange exchange, HttpResponse<?> answer) {
            return exchange.getRequestMethod().equals(method)
                    && exchange.getRequestURI().getRawPath().endsWith(pathSuffix)
                    && (status == ANY_STATUS || status == answer.statusCode())
                    && (digest == null
                            || answer.headers()
                                    .firstValue("Docker-Content-Digest")
                                    .filter(digest::equals)
                                    .isPresent());
        }
    }

    private synchronized Hold claim(HttpExchange exchange, HttpResponse<?> answer) {
        if (heldAgent != null) {
            String agent = exchange.getRequestHeaders().getFirst("User-Agent");
            if (agent == null || !agent.startsWith(heldAgent)) {
                return null;
            }
        }
        for (Hold hold : holds) {
            if (hold.matches(exchange, answer)) {
                holds.remove(hold);
                return hold;
            }
        }
        return null;
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            String pathAndQuery = exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null
                            ? ""
                            : "?" + exchange.getRequestURI().getRawQuery());
            HttpRequest.Builder request = HttpRequest.newBuilder(primary.resolve(pathAndQuery))
                    .method(
                            exchange.getRequestMethod(),
                            HttpRequest.BodyPublishers.ofByteArray(
                                    exchange.getRequestBody().readAllBytes()));
            for (Map.Entry<String, List<String>> h :
                    exchange.getRequestHeaders().entrySet()) {
                if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
                    h.getValue().forEach(v -> request.header(h.getKey(), v));
                }
            }
            HttpResponse<byte[]> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            Hold hold = claim(exchange, answer);
            if (hold != null) {
                hold.arrived.countDown();
                hold.released.await();
            }
            answer.headers().map().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            boolean noBody = exchange.getRequestMethod().equals("HEAD") || answer.body().length == 0;
            exchange.sendResponseHeaders(answer.statusCode(), noBody ? -1 : answer.body().length);
            if (!noBody) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer.body());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        holds.forEach(Hold::release);
        server.stop(0);
        http.close();
    }
}
