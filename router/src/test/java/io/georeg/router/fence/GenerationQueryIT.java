package io.georeg.router.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.db.DatabaseUnavailableException;
import io.georeg.testkit.db.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fence generation read on a connection of its own: current after each write, and a lost connection replaced. */
class GenerationQueryIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String BACKENDS = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
            + GenerationQuery.APPLICATION_NAME + "' AND datname = current_database()";

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    static Database database;
    static FenceStore store;

    @BeforeAll
    static void start() {
        database = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                        .withMigrateOnStart(true))
                .start();
        store = new FenceStore(database.transactions(), Duration.ofMinutes(10), Duration.ZERO);
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @Test
    void readsEachCommittedGenerationOnOneConnectionKeptOpen() {
        try (GenerationQuery query = new GenerationQuery(database.config())) {
            long before = query.getAsLong();
            store.record("team/app", "v1", "sha256:" + "a".repeat(64));
            assertThat(query.getAsLong()).isEqualTo(before + 1).isEqualTo(store.generation());
            store.record("team/app", "v2", "sha256:" + "b".repeat(64));
            assertThat(query.getAsLong()).isEqualTo(before + 2);
            assertThat(DB.queryLong(BACKENDS)).isEqualTo(1);
        }
        await().atMost(WAIT).until(() -> DB.queryLong(BACKENDS) == 0);
    }

    @Test
    void aConnectionTheDatabaseDroppedFailsOneQueryAndTheNextOpensAnother() {
        try (GenerationQuery query = new GenerationQuery(database.config())) {
            long generation = query.getAsLong();
            DB.queryLong("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '"
                    + GenerationQuery.APPLICATION_NAME + "' AND datname = current_database()");
            await().atMost(WAIT).until(() -> DB.queryLong(BACKENDS) == 0);

            assertThatThrownBy(query::getAsLong).isInstanceOf(DatabaseUnavailableException.class);
            assertThat(query.getAsLong()).isEqualTo(generation);
            assertThat(DB.queryLong(BACKENDS)).isEqualTo(1);
        }
    }
}
