package io.georeg.replica;

import io.georeg.oci.RepositoryName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Finds or creates a repository row inside the caller's transaction. Used by the write side. */
final class RepositoryRows {
    private static final String INSERT = """
            INSERT INTO repositories (name) VALUES (?)
            ON CONFLICT (name) DO NOTHING
            RETURNING id
            """;
    private static final String SELECT_ID = """
            SELECT id FROM repositories WHERE name = ?
            """;

    private RepositoryRows() {
    }

    /**
     * The repository's id, creating the row when absent. Under READ COMMITTED a concurrent insert
     * makes ours wait and then do nothing; the following SELECT (a new snapshot) sees that row.
     */
    static long ensure(Connection c, RepositoryName repository) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(INSERT)) {
            insert.setString(1, repository.value());
            try (ResultSet rs = insert.executeQuery()) {
                if (rs.next()) {
                    return rs.getLong(1);
                }
            }
        }
        try (PreparedStatement select = c.prepareStatement(SELECT_ID)) {
            select.setString(1, repository.value());
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("repository " + repository + " vanished while it was being created");
                }
                return rs.getLong(1);
            }
        }
    }
}
