package io.georeg.replica;

import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * What the test database's advisory locks (the keys a delete and a guarded store take) are doing,
 * seen from an observer's connection: lets a test wait until a store waits for a lock (a key's, or
 * a gate the test holds) instead of sleeping and hoping it got there.
 */
final class AdvisoryLocks {
    private static final Duration AT_MOST = Duration.ofSeconds(30);
    private static final String IN_THIS_DATABASE =
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

    private AdvisoryLocks() {}

    /** Until another session waits for an advisory lock in the test's database. */
    static void awaitOneWaiting(Connection observer) {
        await().atMost(AT_MOST)
                .until(() -> count(
                                observer,
                                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                                        + IN_THIS_DATABASE)
                        > 0);
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
