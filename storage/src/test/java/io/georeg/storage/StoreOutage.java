package io.georeg.storage;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * Object stores in an outage, on loopback: one that answers every request 503, and an endpoint
 * that refuses connections. The replicator retries copies and the health probe runs again on its
 * own, so a store's client must fail a call within a bounded time against both.
 */
public final class StoreOutage implements AutoCloseable {
    /** The default {@code health.budget}: a probe answers within it. */
    public static final Duration HEALTH_BUDGET = Duration.ofSeconds(2);

    private final HttpServer server;

    private StoreOutage(HttpServer server) {
        this.server = server;
    }

    /** A store answering every request {@code 503 Service Unavailable} with a SlowDown body, as S3 does. */
    public static StoreOutage answering503() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                        + "<Message>Please reduce your request rate.</Message></Error>")
                .getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().add("Content-Type", "application/xml");
                exchange.sendResponseHeaders(503, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return new StoreOutage(server);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** An endpoint whose port was just free: connections to it are refused. */
    public static URI refusingConnections() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }

    /** How long {@code call} took to fail (it must fail). */
    public static Duration timeToFail(Runnable call) {
        long start = System.nanoTime();
        try {
            call.run();
        } catch (RuntimeException expected) {
            return Duration.ofNanos(System.nanoTime() - start);
        }
        throw new AssertionError("the call succeeded against a store in an outage");
    }

    /** A streamed write of {@code size} bytes, as a copy makes: begin, write, commit. */
    public static void writeStreamed(ObjectStore store, ObjectKey key, int size) {
        try (ObjectStore.PendingWrite write = store.beginWrite(key)) {
            OutputStream out = write.stream();
            out.write(new byte[size]);
            out.close();
            write.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
