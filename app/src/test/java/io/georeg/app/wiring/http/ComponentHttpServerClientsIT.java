package io.georeg.app.wiring.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.ops.AcceptQueue;
import io.georeg.ops.ClientDeadlines;
import io.georeg.ops.OperationsHandler;
import io.georeg.testkit.tools.ListenBacklog;
import io.georeg.testkit.tools.SlowClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The listener that {@code georeg serve} gives registry-read and the replicator (the primary's
 * notifications arrive on it) applies the component's client deadlines: a client trickling its
 * headers is cut off once {@code headers} has passed, one trickling its body below
 * {@code minBodyRate} is cut off too, a valid request whose body arrives slowly is read to the end. Over a real {@link ComponentHttpServer} on an ephemeral loopback port, with a
 * handler that answers the number of body bytes it read.
 */
class ComponentHttpServerClientsIT {
    /** Short, so the test ends quickly; silence is allowed far longer, so only the header deadline can cut. */
    static final ClientDeadlines CLIENTS = new ClientDeadlines(Duration.ofSeconds(1), Duration.ofMinutes(5));

    static ComponentHttpServer server;

    @BeforeAll
    static void start() throws Exception {
        Handler countsBody = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                long length;
                try (InputStream in = Content.Source.asInputStream(request)) {
                    length = in.transferTo(OutputStream.nullOutputStream());
                }
                byte[] answer = Long.toString(length).getBytes(StandardCharsets.US_ASCII);
                response.setStatus(200);
                response.getHeaders().put("Content-Length", answer.length);
                response.write(true, ByteBuffer.wrap(answer), callback);
                return true;
            }
        };
        server = new ComponentHttpServer(
                        "clients-test",
                        "127.0.0.1",
                        0,
                        16,
                        new HttpConfiguration(),
                        CLIENTS,
                        null,
                        new OperationsHandler(new PrometheusRegistry(), List.of()),
                        List.of(countsBody),
                        UnaryOperator.identity())
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /** registry-read's and the replicator's listeners queue a burst of new connections as the router's does. */
    @Test
    void theKernelQueuesABurstOfNewConnections() {
        assertThat(ListenBacklog.of(server.port()))
                .as("the listener's accept queue (ss Send-Q)")
                .isEqualTo(ListenBacklog.granted(AcceptQueue.SIZE))
                .isGreaterThan(50);
    }

    @Test
    void clientsTricklingTheirHeadersAreCutOffWithoutAnAnswer() throws Exception {
        List<SlowClient> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                slow.add(SlowClient.trickleHeaders(server.uri(), Duration.ofMillis(100)));
            }
            await().atMost(CLIENTS.headers().multipliedBy(30))
                    .until(() -> slow.stream().allMatch(SlowClient::cutOff));
            assertThat(slow).allSatisfy(c -> assertThat(c.bytesAnswered()).isZero());
        } finally {
            for (SlowClient c : slow) {
                c.close();
            }
        }
    }

    /**
     * A slow POST: whole headers announcing a 1 MiB notification, then its body a byte every 100 ms
     * (each resetting the 5-minute idle timeout): the read fails below the minimum body rate
     * (1 KiB/s by default) and the connection is closed; the handler never counts a whole body.
     */
    @Test
    void clientsTricklingTheirBodyAreCutOff() throws Exception {
        List<SlowClient> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                slow.add(SlowClient.trickleBody(server.uri(), "POST", "/events", 1024 * 1024, Duration.ofMillis(100)));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> slow.stream().allMatch(SlowClient::cutOff));
        } finally {
            for (SlowClient c : slow) {
                c.close();
            }
        }
    }

    @Test
    void aSlowButValidBodyIsReadToTheEnd() throws Exception {
        byte[] body = new byte[32 * 1024];
        new Random(11).nextBytes(body);

        // 7 × 500 ms between the pieces: well past the header deadline.
        SlowClient.Answer answer =
                SlowClient.uploadSlowly(server.uri(), "POST", "/events", body, 8, Duration.ofMillis(500));

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo(Integer.toString(body.length));
    }
}
