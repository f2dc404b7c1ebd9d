package io.georeg.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.testkit.db.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How many backends a pool keeps on the database ({@code database.minIdle},
 * {@code database.maxPoolSize}), counted where an operator's connection budget counts them:
 * PostgreSQL's {@code pg_stat_activity}.
 */
class PoolSizeIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @Test
    void byDefaultThePoolIsFixedAndOpensMaxPoolSizeBackendsAtTheStart() {
        DatabaseConfig config = DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password());
        try (Database database = new Database(config).start()) {
            await().atMost(WAIT).until(() -> backends() == config.maxPoolSize());
        }
    }

    @Test
    void aPoolWithMinIdleUnderMaxPoolSizeKeepsOnlyMinIdleBackendsWhileQuiet() {
        DatabaseConfig config =
                DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password()).withMinIdle(2);
        try (Database database = new Database(config).start()) {
            await().atMost(WAIT).until(() -> backends() == config.minIdle());
            // HikariCP fills a pool in the background: a quiet moment must not bring it to the maximum.
            await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> backends() == config.minIdle());
        }
    }

    @Test
    void callersThatNeedMoreConnectionsGetThemUpToMaxPoolSize() throws SQLException {
        DatabaseConfig config = DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                .withMaxPoolSize(5)
                .withMinIdle(1);
        List<Connection> held = new ArrayList<>();
        try (Database database = new Database(config).start()) {
            try {
                for (int i = 0; i < config.maxPoolSize(); i++) {
                    held.add(database.dataSource().getConnection());
                }
                assertThat(backends()).isEqualTo(config.maxPoolSize());
            } finally {
                for (Connection c : held) {
                    c.close();
                }
            }
        }
    }

    @Test
    void aMinIdleAboveMaxPoolSizeCountsAsMaxPoolSize() {
        DatabaseConfig config = DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                .withMaxPoolSize(4)
                .withMinIdle(16);
        try (Database database = new Database(config).start()) {
            await().atMost(WAIT).until(() -> backends() == config.maxPoolSize());
        }
    }

    /** The pool's sessions on the test database (the test's own probe is not one: another application name). */
    private static long backends() {
        return DB.queryLong("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND application_name = 'georeg'");
    }
}
