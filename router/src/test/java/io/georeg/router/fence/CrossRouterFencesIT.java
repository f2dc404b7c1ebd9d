package io.georeg.router.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.router.proxy.Upstream;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.RefusingPort;
import io.georeg.testkit.tools.TcpRelay;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Read-your-writes across two router instances sharing one database, when the fence's
 * notification reaches the reading router late: its {@code LISTEN} connection goes through a
 * relay that holds what PostgreSQL sends. The reading router's view is live and lacks the fence,
 * yet the read is pinned, because the fence generation says the view is behind.
 */
class CrossRouterFencesIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String DIGEST = "sha256:" + "e".repeat(64);

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    static Database database;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        database = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                        .withMigrateOnStart(true))
                .start();
        http = new HttpClient();
        http.start();
    }

    @AfterAll
    static void stop() throws Exception {
        http.stop();
        database.close();
    }

    @Test
    void aFencePinsTheOtherRoutersReadsBeforeItsNotificationReachedThatRouter() throws Exception {
        FenceStore store = new FenceStore(database.transactions(), Duration.ofMinutes(10), Duration.ZERO);
        // No replica answers: a fence this test finds is never cleared by a replica check.
        try (RefusingPort nothingListening = RefusingPort.open();
                TcpRelay relay = TcpRelay.to(DB.host(), DB.port());
                FenceView otherView = new FenceView(
                                store,
                                DatabaseConfig.of(DB.jdbcUrlThrough(relay.port()), DB.user(), DB.password()),
                                Duration.ofMillis(100))
                        .start()) {
            Upstream replica = new Upstream("replica", "nothing listening", nothingListening.url());
            ReadYourWrites writer = new ReadYourWrites(store, null, null, http, replica, Duration.ofSeconds(1));
            // Its generation query has connections of its own, straight to the database: only the
            // notifications are held.
            try (ReadYourWrites other = new ReadYourWrites(
                    store,
                    otherView,
                    DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password()),
                    http,
                    replica,
                    Duration.ofSeconds(1))) {
                await().atMost(WAIT).until(otherView::live);
                FencedRead tagRead = FencedRead.manifest("team/app", "v1");
                assertThat(other.pinned(tagRead, HttpFields.EMPTY)).isFalse();

                relay.hold();
                writer.record("team/app", List.of(Fence.Write.tagPushed("team/app", "v1", DIGEST)));

                assertThat(otherView.live()).isTrue();
                assertThat(otherView.find("team/app", "v1"))
                        .as("the notification is held")
                        .isEmpty();
                assertThat(other.pinned(tagRead, HttpFields.EMPTY)).isTrue();
                assertThat(other.pinned(new FencedRead.TagsList("team/app"), HttpFields.EMPTY))
                        .isTrue();
                assertThat(other.pinned(FencedRead.manifest("team/app", "v2"), HttpFields.EMPTY))
                        .isFalse();

                relay.release();
                await().atMost(WAIT)
                        .until(() -> otherView.find("team/app", "v1").isPresent());
                assertThat(other.pinned(tagRead, HttpFields.EMPTY)).isTrue();
            }
        }
    }
}
