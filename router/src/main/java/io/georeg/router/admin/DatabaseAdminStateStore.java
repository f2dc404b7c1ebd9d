package io.georeg.router.admin;

import io.georeg.db.Transactions;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The {@code router_admin_state} row (migration V4), shared by every router instance through
 * PostgreSQL: {@code georeg drill} or {@code georeg promote} switching one router switches all
 * of them at their next poll ({@code router.admin.pollInterval}).
 */
public final class DatabaseAdminStateStore implements AdminStateStore {

    private static final String READ = """
            SELECT mode, reason, primary_url, updated_at FROM router_admin_state WHERE id = 1
            """;

    private static final String SET_MODE = """
            INSERT INTO router_admin_state (id, mode, reason, updated_at) VALUES (1, ?, ?, now())
            ON CONFLICT (id) DO UPDATE SET mode = EXCLUDED.mode, reason = EXCLUDED.reason, updated_at = now()
            """;

    private static final String SET_PRIMARY = """
            INSERT INTO router_admin_state (id, primary_url, updated_at) VALUES (1, ?, now())
            ON CONFLICT (id) DO UPDATE SET primary_url = EXCLUDED.primary_url, updated_at = now()
            """;

    private final Transactions transactions;

    public DatabaseAdminStateStore(Transactions transactions) {
        this.transactions = transactions;
    }

    @Override
    public AdminState read() {
        return transactions.read(DatabaseAdminStateStore::select);
    }

    @Override
    public AdminState setMode(RouterMode mode, String reason) {
        return transactions.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(SET_MODE)) {
                ps.setString(1, mode.label());
                ps.setString(2, reason == null ? "" : reason);
                ps.executeUpdate();
            }
            return select(c);
        });
    }

    @Override
    public AdminState setPrimary(Optional<URI> url) {
        return transactions.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(SET_PRIMARY)) {
                ps.setString(1, url.map(URI::toString).orElse(null));
                ps.executeUpdate();
            }
            return select(c);
        });
    }

    private static AdminState select(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(READ);
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return AdminState.initial();
            }
            String url = rs.getString("primary_url");
            return new AdminState(
                    RouterMode.parse(rs.getString("mode")),
                    rs.getString("reason"),
                    Optional.ofNullable(url).map(URI::create),
                    rs.getTimestamp("updated_at").toInstant());
        }
    }
}
