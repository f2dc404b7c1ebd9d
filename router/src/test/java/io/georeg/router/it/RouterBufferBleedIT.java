package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's bytes never reach the primary inside another client's request: clients refused
 * for oversized headers (431) while they keep sending, interleaved with small requests on new
 * connections, each carrying a marker of its own that the scripted upstreams echo. Jetty 12.1
 * may fill a refused connection's request buffer after releasing it to the pool (see
 * {@code UnsharedBuffers}); before the public listener's buffers were unshared, 14 of 16 runs of
 * 12 s on the loaded machine of session 22 found a bleed, mostly after a few hundred refused
 * requests: a small request parsed as {@code pppp…pppGET} and proxied to the primary (whose
 * Jetty answered an HTML 431), others refused with 400 ({@code Illegal character SPACE}) or never
 * answered; the two that found none refused 1,365 and 8,580. A race, so a bounded stress: a
 * fixed time (20 s since), stopping at the first bleed; it cannot prove the absence of the race,
 * only catch it most of the time where it exists.
 */
class RouterBufferBleedIT {
    private static final Logger LOG = LoggerFactory.getLogger(RouterBufferBleedIT.class);
    static final Set<String> REGISTRY_METHODS = Set.of("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE");
    static final Duration LOAD = Duration.ofSeconds(20);
    static final int OVERSIZED_CLIENTS = 8;
    static final int MARKED_CLIENTS = 4;
    static final RouterFixtures FIXTURES = new RouterFixtures();
    static FakeUpstream primary;
    static FakeUpstream replica;
    static Router router;

    @BeforeAll
    static void start() throws Exception {
        primary = FIXTURES.fakeUpstream();
        replica = FIXTURES.fakeUpstream();
        FakeUpstream.Answer echo = (req, resp, cb) ->
                FakeUpstream.text(resp, cb, 200, "marker=" + req.getHeaders().get("X-Marker"));
        primary.answer(echo);
        replica.answer(echo);
        router = FIXTURES.add(LoopbackRouter.start(
                primary.url(),
                null,
                new RouterConfig.ReplicaEndpoint.Remote(replica.url()),
                UnaryOperator.identity(),
                LoopbackRouter.WITHOUT_DATABASE));
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    /** How an oversized client sends its headers; each is refused with 431. */
    enum Oversized {
        /** 64 KiB in one header, then 64 KiB more it keeps sending after the limit, reading the 431. */
        KEEPS_SENDING(64, 64, 64, true),
        /** One header just over the 32 KiB limit, whole, reading the 431. */
        JUST_OVER(33, 0, 33, true),
        /** 40 KiB in 3 KiB writes: the limit is crossed in the middle of a read. */
        CROSSES_MID_READ(40, 0, 3, true),
        /** 64 KiB and 64 KiB more, closing at once without reading the 431. */
        CLOSES_UNREAD(64, 64, 64, false);

        final int headerKiB;
        final int moreKiB;
        final int writeKiB;
        final boolean reads;

        Oversized(int headerKiB, int moreKiB, int writeKiB, boolean reads) {
            this.headerKiB = headerKiB;
            this.moreKiB = moreKiB;
            this.writeKiB = writeKiB;
            this.reads = reads;
        }
    }

    @Test
    void oversizedHeadersOfOneClientNeverReachAnotherClientsRequest() throws Exception {
        ConcurrentLinkedQueue<String> bleeds = new ConcurrentLinkedQueue<>();
        AtomicLong refused = new AtomicLong();
        AtomicLong marked = new AtomicLong();
        long end = System.nanoTime() + LOAD.toNanos();
        int port = router.port();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < OVERSIZED_CLIENTS; i++) {
            int first = i;
            clients.add(Thread.ofPlatform().start(() -> {
                for (int n = first; System.nanoTime() < end && bleeds.isEmpty(); n++) {
                    sendOversized(port, Oversized.values()[n % Oversized.values().length]);
                    refused.incrementAndGet();
                }
            }));
        }
        AtomicLong markers = new AtomicLong();
        for (int i = 0; i < MARKED_CLIENTS; i++) {
            clients.add(Thread.ofPlatform().start(() -> {
                while (System.nanoTime() < end && bleeds.isEmpty()) {
                    long marker = markers.incrementAndGet();
                    String problem = sendMarked(port, marker);
                    if (problem != null) {
                        bleeds.add(problem);
                    }
                    marked.incrementAndGet();
                }
            }));
        }
        for (Thread client : clients) {
            client.join();
        }
        for (FakeUpstream upstream : List.of(primary, replica)) {
            for (FakeUpstream.Seen seen : upstream.seen()) {
                String marker = seen.headers().get("X-Marker");
                if (!REGISTRY_METHODS.contains(seen.method())
                        || marker == null
                        || !seen.pathQuery().contains("/m" + marker + "/")) {
                    bleeds.add("an upstream received " + abbreviate(seen.method()) + " " + seen.pathQuery()
                            + " with marker " + marker);
                }
            }
        }

        LOG.info("{} oversized requests refused, {} marked requests answered", refused, marked);
        assertThat(bleeds)
                .as(refused + " oversized requests refused, " + marked + " marked requests sent")
                .isEmpty();
        assertThat(marked.get()).as("marked requests sent").isPositive();
    }

    private static void sendOversized(int port, Oversized how) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(ascii(
                    "GET /v2/team/app/tags/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + "X-Padding: "));
            byte[] kib = ascii("p".repeat(1024));
            int total = how.headerKiB + how.moreKiB;
            for (int k = 0; k < total; k++) {
                out.write(kib);
                if ((k + 1) % how.writeKiB == 0) {
                    out.flush();
                }
            }
            if (how.moreKiB == 0) {
                out.write(ascii("\r\n\r\n"));
            }
            out.flush();
            if (how.reads) {
                s.getInputStream().transferTo(OutputStream.nullOutputStream());
            }
        } catch (IOException expected) {
            // The router answers 431 and closes while the client still sends: a reset is part of the game.
        }
    }

    /**
     * A small request on a new connection, by turns a manifest read (to the replica) and an upload
     * chunk (to the primary), carrying {@code marker} in its path and a header; null when the
     * answer is the upstream's echo of that marker, otherwise what went wrong.
     */
    private static String sendMarked(int port, long marker) {
        String request = marker % 2 == 0
                ? "GET /v2/m" + marker + "/manifests/t" + marker + " HTTP/1.1\r\n"
                : "PATCH /v2/m" + marker + "/blobs/uploads/u" + marker + " HTTP/1.1\r\nContent-Length: 0\r\n";
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream()
                    .write(ascii(request + "Host: 127.0.0.1\r\nConnection: close\r\nX-Marker: " + marker + "\r\n\r\n"));
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            s.getInputStream().transferTo(reply);
            String text = reply.toString(StandardCharsets.ISO_8859_1);
            if (text.startsWith("HTTP/1.1 200 ") && text.endsWith("\r\n\r\nmarker=" + marker)) {
                return null;
            }
            return "marker " + marker + " answered: " + abbreviate(text);
        } catch (IOException e) {
            return "marker " + marker + " failed: " + e;
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…(" + s.length() + " characters)";
    }
}
