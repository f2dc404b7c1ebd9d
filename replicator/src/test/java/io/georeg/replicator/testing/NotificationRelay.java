package io.georeg.replicator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * Sits between one distribution instance's notifications and the replicator's intake, the way a
 * second primary host would look to georeg: it forwards every envelope (same headers, the intake's
 * answer returned as is), keeps a copy of each event it forwarded (for re-sending later), and can
 * stand for a host whose clock runs behind by shifting the events' {@code timestamp}s by
 * {@code clockOffset} (distribution stamps each event with its host's clock).
 */
public final class NotificationRelay implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI intake;
    private final Duration clockOffset;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<JsonNode> forwarded = new ArrayList<>(); // guarded by this

    private NotificationRelay(URI intake, Duration clockOffset) throws IOException {
        this.intake = intake;
        this.clockOffset = clockOffset;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::relay);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    /** A relay to {@code intake} for a host whose clock is {@code clockOffset} off (negative: behind). */
    public static NotificationRelay start(URI intake, Duration clockOffset) throws IOException {
        return new NotificationRelay(intake, clockOffset);
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/events");
    }

    /** The events forwarded so far (after the clock shift), oldest first. */
    public synchronized List<JsonNode> forwarded() {
        return List.copyOf(forwarded);
    }

    private void relay(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            JsonNode envelope = JSON.readTree(body);
            for (JsonNode event : envelope.path("events")) {
                if (!clockOffset.isZero()) {
                    ((ObjectNode) event)
                            .put(
                                    "timestamp",
                                    OffsetDateTime.parse(event.path("timestamp").asText())
                                            .plus(clockOffset)
                                            .toString());
                }
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(intake)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(envelope)));
            for (String header : List.of("Authorization", "Content-Type")) {
                String value = exchange.getRequestHeaders().getFirst(header);
                if (value != null) {
                    forward.header(header, value);
                }
            }
            HttpResponse<byte[]> answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (answer.statusCode() / 100 == 2) {
                synchronized (this) {
                    envelope.path("events").forEach(forwarded::add);
                }
            }
            exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.sendResponseHeaders(503, -1);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        http.close();
    }
}
