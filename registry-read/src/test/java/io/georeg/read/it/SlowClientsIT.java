package io.georeg.read.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.oci.RepositoryName;
import io.georeg.ops.ClientDeadlines;
import io.georeg.read.ReadOptions;
import io.georeg.read.auth.Authenticator;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.SlowClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * registry-read's own listener (what clients reach when it runs as a process of its own) cuts off
 * clients that trickle their request headers (slowloris) once {@code registryRead.clients.headers}
 * has passed, while other clients are served: over the real server on real PostgreSQL and
 * filesystem storage, the slow clients on raw sockets.
 */
class SlowClientsIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path dir;

    /** Short, so the test ends quickly; client silence is allowed far longer, so only this deadline can cut. */
    static final ClientDeadlines CLIENTS = new ClientDeadlines(Duration.ofSeconds(1), Duration.ofMinutes(5));

    static ReadStack stack;

    @BeforeAll
    static void start() throws Exception {
        ReadOptions defaults = ReadOptions.loopbackEphemeral();
        ReadOptions options = new ReadOptions(
                defaults.host(),
                defaults.port(),
                defaults.maxPageSize(),
                defaults.blobBufferBytes(),
                defaults.maxThreads(),
                CLIENTS,
                defaults.verifyServedBlobs());
        stack = new ReadStack(DB, dir.resolve("storage"), Authenticator.anonymous(), options);
        stack.store(RepositoryName.of("team/app"), TestImages.image(1), "latest");
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void clientsTricklingTheirHeadersAreCutOffWithoutAnAnswerWhileOthersAreServed() throws Exception {
        URI url = URI.create("http://127.0.0.1:" + stack.port());
        List<SlowClient> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                slow.add(SlowClient.trickleHeaders(url, Duration.ofMillis(100)));
            }
            for (int i = 0; i < 5; i++) {
                assertThat(RawHttp.send(stack.port(), "GET", "/v2/team/app/tags/list", Map.of())
                                .status())
                        .as("a client served while others trickle")
                        .isEqualTo(200);
            }
            await().atMost(CLIENTS.headers().multipliedBy(30))
                    .until(() -> slow.stream().allMatch(SlowClient::cutOff));
            assertThat(slow)
                    .as("cut off by the deadline, not refused with an answer")
                    .allSatisfy(c -> assertThat(c.bytesAnswered()).isZero());
            assertThat(RawHttp.send(stack.port(), "GET", "/v2/team/app/tags/list", Map.of())
                            .status())
                    .isEqualTo(200);
        } finally {
            for (SlowClient c : slow) {
                c.close();
            }
        }
    }

    /**
     * Jetty 12.0.16 threw a NullPointerException on one of its threads ({@code HttpChannelState.onFailure},
     * no request yet) for about one connection in fifty that the deadline closed mid-headers; 12.1
     * closes them cleanly. 240 cuts, with every thread's uncaught exception recorded: 12.0.16 left a
     * few each time this ran.
     */
    @Test
    void cuttingTricklingClientsLeavesNoExceptionOnAnyThread() throws Exception {
        URI url = URI.create("http://127.0.0.1:" + stack.port());
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
        try {
            for (int round = 0; round < 6; round++) {
                List<SlowClient> slow = new ArrayList<>();
                try {
                    for (int i = 0; i < 40; i++) {
                        slow.add(SlowClient.trickleHeaders(url, Duration.ofMillis(5)));
                    }
                    await().atMost(CLIENTS.headers().multipliedBy(60))
                            .until(() -> slow.stream().allMatch(SlowClient::cutOff));
                } finally {
                    for (SlowClient c : slow) {
                        c.close();
                    }
                }
            }
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
        assertThat(uncaught)
                .as("exceptions thrown on other threads while connections were cut")
                .isEmpty();
    }
}
