package io.georeg.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * {@link Migrations#status} for a process that asks again and again (the version-skew guard of
 * {@code georeg serve}, every 30 s in every pod): Flyway's reading scans the class path for the
 * migrations and resolves each against the history table, a few milliseconds of CPU and a heap of
 * garbage each time, though the answer can only change when a migration is applied. So each call
 * first reads a fingerprint of what the answer depends on in the database — the history table's
 * rows and the compatibility floor, three small queries on one connection — and reads the status
 * again only when the fingerprint moved (the migrations on the class path never change while the
 * process runs). The fingerprint is read before the status, so a migration landing between the
 * two is seen by the next call.
 */
public final class SchemaWatch implements Supplier<SchemaStatus> {
    private final DataSource dataSource;
    private final Function<DataSource, SchemaStatus> fullRead;
    private Optional<Fingerprint> seen = Optional.empty();
    private SchemaStatus status;

    public SchemaWatch(DataSource dataSource) {
        this(dataSource, Migrations::status);
    }

    /** With the full reading given, so that a test can count how often it runs. */
    SchemaWatch(DataSource dataSource, Function<DataSource, SchemaStatus> fullRead) {
        this.dataSource = dataSource;
        this.fullRead = fullRead;
    }

    /**
     * What the status depends on in the database; empty while the history table does not exist
     * (nothing migrated yet: every call reads the status in full, as there is no fingerprint).
     */
    record Fingerprint(long rows, long newestRank, long checksums, boolean allSucceeded, int floor) {}

    /** Throws as {@link Migrations#status} does: {@link DatabaseUnavailableException} or {@link DatabaseException}. */
    @Override
    public synchronized SchemaStatus get() {
        Optional<Fingerprint> now = fingerprint();
        if (status == null || now.isEmpty() || !now.equals(seen)) {
            status = fullRead.apply(dataSource);
            seen = now;
        }
        return status;
    }

    private Optional<Fingerprint> fingerprint() {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            boolean history;
            boolean compatibility;
            // Tables that may not exist yet are looked up first: a query naming one fails when planned.
            try (ResultSet rs = s.executeQuery("SELECT to_regclass('flyway_schema_history') IS NOT NULL,"
                    + " to_regclass('schema_compatibility') IS NOT NULL")) {
                rs.next();
                history = rs.getBoolean(1);
                compatibility = rs.getBoolean(2);
            }
            if (!history) {
                return Optional.empty();
            }
            int floor = 0;
            if (compatibility) {
                try (ResultSet rs =
                        s.executeQuery("SELECT coalesce(max(oldest_code_schema), 0) FROM schema_compatibility")) {
                    rs.next();
                    floor = rs.getInt(1);
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*), coalesce(max(installed_rank), 0),"
                    + " coalesce(sum(checksum), 0), coalesce(bool_and(success), true) FROM flyway_schema_history")) {
                rs.next();
                return Optional.of(
                        new Fingerprint(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getBoolean(4), floor));
            }
        } catch (SQLException e) {
            throw SqlErrors.translate("reading the schema's fingerprint", e);
        }
    }
}
