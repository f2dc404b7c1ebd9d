package io.georeg.replica;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Which repositories the replica knows: those its catalog lists ({@code repositories}, the table
 * {@link DatabaseReplicaReader#catalog} pages through). The router asks it before it lets the
 * catalog be the replica's answer while pushes of new repositories are fenced: a repository the
 * replica knows is in the replica's catalog, whoever asks.
 */
public final class KnownRepositories {
    private static final String KNOWN = """
            SELECT name FROM repositories WHERE name = ANY(?)
            """;

    private KnownRepositories() {}

    /** Those of {@code names} that the replica's catalog lists. */
    public static Set<String> among(Connection c, Collection<String> names) throws SQLException {
        Set<String> known = new HashSet<>();
        if (names.isEmpty()) {
            return known;
        }
        try (PreparedStatement ps = c.prepareStatement(KNOWN)) {
            ps.setArray(1, c.createArrayOf("text", names.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    known.add(rs.getString(1));
                }
            }
        }
        return known;
    }
}
