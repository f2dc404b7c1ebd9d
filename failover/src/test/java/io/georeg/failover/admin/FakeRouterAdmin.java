package io.georeg.failover.admin;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A router's admin endpoint for unit tests, on an ephemeral port: every call to
 * {@code /-/admin/*} is answered 200 with the given JSON, as a router answers a switch, or a
 * switch is refused 409 as a router whose state changed meanwhile refuses it (the
 * router's own endpoint is exercised by app's {@code FailoverIT}). Started by {@link #answering},
 * stopped by {@link #close}.
 */
public final class FakeRouterAdmin implements AutoCloseable {
    private final HttpServer server;

    private FakeRouterAdmin(HttpServer server) {
        this.server = server;
    }

    public static FakeRouterAdmin answering(String json) {
        return answering(json, 200, json);
    }

    /**
     * A router whose state changed since a run's switch: every PUT is refused 409 with
     * {@code state} (the router's JSON of the state now), every GET answered 200 with {@code get}.
     */
    public static FakeRouterAdmin refusingSwitches(String state, String get) {
        return answering("{\"error\":\"the admin state changed meanwhile\",\"state\":" + state + "}", 409, get);
    }

    private static FakeRouterAdmin answering(String put, int putStatus, String get) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/-/admin/", exchange -> {
                boolean isGet = "GET".equals(exchange.getRequestMethod());
                byte[] body = (isGet ? get : put).getBytes(StandardCharsets.UTF_8);
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(isGet ? 200 : putStatus, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return new FakeRouterAdmin(server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A router's answer to a mode switch; {@code notStored} null for one it stored. */
    public static String modeAnswer(String mode, String notStored) {
        return "{\"mode\":\"" + mode + "\",\"reason\":\"test\",\"primaryUrl\":\"http://primary.test\","
                + "\"primaryCircuit\":\"" + ("primary-down".equals(mode) ? "open" : "closed") + "\","
                + "\"primaryProbedReachable\":true,\"stored\":" + (notStored == null)
                + (notStored == null ? "" : ",\"notStored\":\"" + notStored + "\"") + "}";
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
