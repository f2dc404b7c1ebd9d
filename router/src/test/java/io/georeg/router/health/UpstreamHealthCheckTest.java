package io.georeg.router.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.testkit.tools.RefusingPort;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The probe of a primary that a promotion switched while the probe was in flight. Tried: the old
 * primary answers {@code 200} only after the switch, while the new primary refuses connections —
 * the late answer must not close the circuit that now stands for the new primary.
 */
class UpstreamHealthCheckTest {
    private HttpClient http;

    @BeforeEach
    void client() throws Exception {
        http = new HttpClient();
        http.start();
    }

    @AfterEach
    void stopClient() throws Exception {
        http.stop();
    }

    @Test
    void anAnswerOfThePrimaryBeforeASwitchIsNotCountedForTheNewOne() throws Exception {
        CircuitBreaker circuit = new CircuitBreaker("primary", 1);
        try (HeldAnswer old = new HeldAnswer();
                RefusingPort promoted = RefusingPort.open()) {
            AtomicReference<URI> primary = new AtomicReference<>(old.url());
            UpstreamHealthCheck check =
                    new UpstreamHealthCheck(http, primary::get, Duration.ofHours(1), Duration.ofSeconds(20), circuit);
            Thread lateProbe = Thread.ofPlatform().start(check::probeOnce);
            assertThat(old.requested.await(10, TimeUnit.SECONDS))
                    .as("the probe reached the old primary")
                    .isTrue();

            primary.set(promoted.url());
            check.probeOnce();
            assertThat(circuit.probedOpen())
                    .as("the new primary refuses connections")
                    .isTrue();

            old.answer();
            lateProbe.join(20_000);
            assertThat(lateProbe.isAlive()).isFalse();
            assertThat(circuit.probedOpen())
                    .as("the old primary's late 200 says nothing about the new one")
                    .isTrue();
        }
    }

    /** One HTTP connection whose request is read at once and answered {@code 200} only on {@link #answer()}. */
    private static final class HeldAnswer implements AutoCloseable {
        final CountDownLatch requested = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);
        private final ServerSocket server;
        private final Thread thread;

        HeldAnswer() throws Exception {
            server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            thread = Thread.ofPlatform().daemon().start(this::serveOne);
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort());
        }

        void answer() {
            release.countDown();
        }

        private void serveOne() {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                byte[] head = new byte[4];
                // Read up to the end of the request head.
                while (!new String(head, StandardCharsets.ISO_8859_1).equals("\r\n\r\n")) {
                    int b = in.read();
                    if (b < 0) {
                        return;
                    }
                    System.arraycopy(head, 1, head, 0, 3);
                    head[3] = (byte) b;
                }
                requested.countDown();
                if (release.await(20, TimeUnit.SECONDS)) {
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (Exception e) {
                // closed by the test
            }
        }

        @Override
        public void close() throws Exception {
            release.countDown();
            server.close();
            thread.join(5_000);
        }
    }
}
