package io.georeg.router.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.testkit.db.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The router's in-memory fences follow the table exactly through LISTEN/NOTIFY (migration V6). */
class FenceViewIT {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    static Database database;
    static FenceStore store;

    @BeforeAll
    static void start() {
        database = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                        .withMigrateOnStart(true))
                .start();
        // No replica cache: a fence a replica shows is cleared at once.
        store = new FenceStore(database.transactions(), Duration.ofMinutes(10), Duration.ZERO);
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @Test
    void loadsExistingFencesAndFollowsFencesWrittenAndClearedElsewhere() {
        store.record("team/loaded", "v1", "sha256:" + "a".repeat(64));
        try (FenceView view = new FenceView(store, database.config(), Duration.ofMillis(100)).start()) {
            await().atMost(WAIT).until(view::live);
            assertThat(view.find("team/loaded", "v1"))
                    .get()
                    .extracting(Fence::digest)
                    .isEqualTo("sha256:" + "a".repeat(64));
            assertThat(view.find("team/loaded", "sha256:" + "a".repeat(64))).isPresent();
            assertThat(view.find("team/loaded", "v2")).isEmpty();

            // Another router writes: its commit's notification reaches this view.
            String newer = "sha256:" + "b".repeat(64);
            store.record("team/other", "latest", newer);
            await().atMost(WAIT).until(() -> view.find("team/other", "latest").isPresent());
            store.record("team/other", "latest", "sha256:" + "c".repeat(64));
            await().atMost(WAIT)
                    .until(() -> view.find("team/other", "latest")
                            .map(Fence::digest)
                            .orElse("")
                            .endsWith("c".repeat(64)));

            store.clearShown(view.find("team/other", "latest").orElseThrow());
            await().atMost(WAIT).until(() -> view.find("team/other", "latest").isEmpty());
        }
    }

    @Test
    void isNotLiveWhileItsListenConnectionIsGoneAndReloadsEverythingWhenBack() throws Exception {
        try (FenceView view = new FenceView(store, database.config(), Duration.ofMillis(200)).start()) {
            await().atMost(WAIT).until(view::live);
            try (Connection c = DB.connect();
                    Statement s = c.createStatement()) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '"
                        + FenceView.APPLICATION_NAME + "'");
                // Written while the view may be down: it must be in the view once it is live again.
                store.record("team/missed", "t", "sha256:" + "d".repeat(64));
            }
            await().atMost(WAIT)
                    .until(() -> view.live() && view.find("team/missed", "t").isPresent());
        }
        assertThat(new FenceView(store, database.config(), Duration.ofMillis(200)).live())
                .isFalse();
    }
}
