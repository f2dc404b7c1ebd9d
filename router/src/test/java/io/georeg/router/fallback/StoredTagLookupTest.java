package io.georeg.router.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.router.proxy.PublicUrlRewriter;
import io.georeg.router.proxy.StreamingProxy;
import io.georeg.router.proxy.Upstream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The miss report's tag lookup asks the primary on its own, beside the client's exchange: a primary
 * that hangs must not hold it for its whole timeout once the router has found that primary down.
 * A socket server that reads the request and never answers stands in for the hung primary; the
 * router's finding is {@link StreamingProxy#foundDown}, as its circuit calls it.
 */
class StoredTagLookupTest {
    private ServerSocket hung;
    private final AtomicInteger requestsRead = new AtomicInteger();
    private HttpClient http;

    @BeforeEach
    void start() throws Exception {
        hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    Socket s = hung.accept();
                    Thread.ofVirtual().start(() -> readForever(s));
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
        http = new HttpClient();
        http.start();
    }

    private void readForever(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            if (in.read() >= 0) {
                requestsRead.incrementAndGet();
            }
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException closed) {
            // the client gave up
        }
    }

    @AfterEach
    void stop() throws Exception {
        http.stop();
        hung.close();
    }

    @Test
    void lookupWaitingOnAHungPrimaryEndsWhenThePrimaryIsFoundDown() throws Exception {
        URI origin = URI.create("http://127.0.0.1:" + hung.getLocalPort());
        Upstream primary = new Upstream("primary", "the primary site's registry at " + origin, origin);
        URI publicUrl = URI.create("http://router.test");
        StreamingProxy proxy = new StreamingProxy(
                http,
                new PublicUrlRewriter(publicUrl, origin, null, "/auth"),
                publicUrl,
                Duration.ofMinutes(5),
                0,
                64 * 1024);
        StoredTagLookup lookup = new StoredTagLookup(proxy, () -> primary, Duration.ofSeconds(60));

        CompletableFuture<Optional<StoredTagLookup.Stored>> stored =
                CompletableFuture.supplyAsync(() -> lookup.storedUnder("team/app", "v1", List.of()));
        await().atMost(Duration.ofSeconds(10)).until(() -> requestsRead.get() == 1);
        proxy.foundDown(origin, "the primary site is unreachable", Duration.ofSeconds(1));

        // Not after the lookup's own 60 s: what the primary stores is unknown, as for any failure.
        assertThat(stored.get(10, TimeUnit.SECONDS)).isEmpty();
    }
}
