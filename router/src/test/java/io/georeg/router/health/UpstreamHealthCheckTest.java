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
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The probe of a primary that a promotion switched while the probe was in flight. Tried: the old
 * primary answers {@code 200} only after the switch, while the new primary refuses connections —
 * the late answer must not close the circuit that now stands for the new primary; and the other
 * way round, a late {@code 503} of the old primary must not open the circuit of a new one that is up.
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
        try (HeldAnswer old = new HeldAnswer(200);
                RefusingPort promoted = RefusingPort.open()) {
            CircuitBreaker circuit = new CircuitBreaker("primary", old.url(), 1);

            lateAnswerAfterASwitch(
                    old,
                    promoted.url(),
                    circuit,
                    () -> assertThat(circuit.probedOpen())
                            .as("the new primary refuses connections")
                            .isTrue());

            assertThat(circuit.probedOpen())
                    .as("the old primary's late 200 says nothing about the new one")
                    .isTrue();
        }
    }

    @Test
    void aFailureOfThePrimaryBeforeASwitchDoesNotOpenTheNewOnesCircuit() throws Exception {
        try (HeldAnswer old = new HeldAnswer(503);
                HeldAnswer promoted = new HeldAnswer(200)) {
            CircuitBreaker circuit = new CircuitBreaker("primary", old.url(), 1);
            promoted.answer();

            lateAnswerAfterASwitch(
                    old,
                    promoted.url(),
                    circuit,
                    () -> assertThat(promoted.requested.getCount())
                            .as("the probe after the switch went to the new primary")
                            .isZero());

            assertThat(circuit.probedOpen())
                    .as("the old primary's late 503 says nothing about the new one")
                    .isFalse();
        }
    }

    @Test
    void anAnswerOfThePrimaryItGuardsCounts() throws Exception {
        try (HeldAnswer primary = new HeldAnswer(503)) {
            CircuitBreaker circuit = new CircuitBreaker("primary", primary.url(), 1);
            primary.answer();

            check(circuit).probeOnce();

            assertThat(circuit.probedOpen()).isTrue();
            assertThat(circuit.lastFailure()).contains("answered 503");
        }
    }

    /**
     * Probes {@code old}, the origin {@code circuit} guards; while its answer is held, switches the
     * circuit to {@code promoted}, probes that and runs {@code afterTheNewProbe}; then lets {@code old} answer.
     */
    private void lateAnswerAfterASwitch(HeldAnswer old, URI promoted, CircuitBreaker circuit, Runnable afterTheNewProbe)
            throws Exception {
        UpstreamHealthCheck check = check(circuit);
        Thread lateProbe = Thread.ofPlatform().start(check::probeOnce);
        assertThat(old.requested.await(10, TimeUnit.SECONDS))
                .as("the probe reached the old primary")
                .isTrue();

        circuit.switchTo(promoted);
        check.probeOnce();
        afterTheNewProbe.run();

        old.answer();
        lateProbe.join(20_000);
        assertThat(lateProbe.isAlive()).isFalse();
    }

    private UpstreamHealthCheck check(CircuitBreaker circuit) {
        return new UpstreamHealthCheck(http, Duration.ofHours(1), Duration.ofSeconds(20), circuit);
    }

    /** One HTTP connection whose request is read at once and answered {@code status} only on {@link #answer()}. */
    private static final class HeldAnswer implements AutoCloseable {
        final CountDownLatch requested = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);
        private final int status;
        private final ServerSocket server;
        private final Thread thread;

        HeldAnswer(int status) throws Exception {
            this.status = status;
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
                    out.write(("HTTP/1.1 " + status + " Held\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
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
