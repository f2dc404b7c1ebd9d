package io.georeg.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the tracking schema's Flyway migrations ({@code classpath:db/migration}, one
 * {@code V<n>__snake_case.sql} per change, never edited once landed). Called by
 * {@code georeg migrate}, by {@link Database#start()} when {@code migrateOnStart} is set, and by
 * tests on their fresh database; {@link #status} compares the database's schema with the
 * migrations shipped ({@link SchemaStatus}, the version-skew guard).
 */
public final class Migrations {
    public static final String LOCATION = "classpath:db/migration";

    private Migrations() {}

    /** What a migration run did. */
    public record Result(List<String> applied, String currentVersion) {
        public Result {
            applied = List.copyOf(applied);
        }
    }

    /** Applies every pending migration; returns the versions applied ("1", "2", …) in order. */
    public static Result migrate(DataSource dataSource) {
        Flyway flyway = flyway(dataSource);
        try {
            MigrateResult result = flyway.migrate();
            List<String> applied =
                    result.migrations.stream().map(m -> m.version).toList();
            String current =
                    result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
            return new Result(applied, current);
        } catch (FlywayException e) {
            if (SqlErrors.isUnavailable(e)) {
                throw new DatabaseUnavailableException("database unavailable while migrating: " + e.getMessage(), e);
            }
            throw new DatabaseException("migration failed: " + e.getMessage(), e);
        }
    }

    /**
     * The database's schema against the migrations on this binary's class path, read without
     * changing anything (Flyway's history table and {@code schema_compatibility}).
     */
    public static SchemaStatus status(DataSource dataSource) {
        try {
            MigrationInfoService info = flyway(dataSource).info();
            MigrationInfo current = info.current();
            int known = Arrays.stream(info.all())
                    .filter(m -> m.getVersion() != null && m.getState().isResolved())
                    .mapToInt(m -> number(m.getVersion()))
                    .max()
                    .orElse(0);
            List<Integer> pending = Arrays.stream(info.pending())
                    .filter(m -> m.getVersion() != null)
                    .map(m -> number(m.getVersion()))
                    .toList();
            int database = current == null || current.getVersion() == null ? 0 : number(current.getVersion());
            return new SchemaStatus(database, known, oldestCodeSchema(dataSource), pending);
        } catch (FlywayException e) {
            if (SqlErrors.isUnavailable(e)) {
                throw new DatabaseUnavailableException(
                        "database unavailable while reading its schema version: " + e.getMessage(), e);
            }
            throw new DatabaseException("reading the schema version failed: " + e.getMessage(), e);
        }
    }

    /** {@code schema_compatibility.oldest_code_schema}, 0 while the table does not exist (schemas before 10). */
    private static int oldestCodeSchema(DataSource dataSource) {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            // Two statements: a query naming a table that does not exist fails when it is planned.
            try (ResultSet exists = s.executeQuery("SELECT to_regclass('schema_compatibility') IS NOT NULL")) {
                exists.next();
                if (!exists.getBoolean(1)) {
                    return 0;
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT max(oldest_code_schema) FROM schema_compatibility")) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw SqlErrors.translate("reading schema_compatibility", e);
        }
    }

    /** Migrations are named {@code V<n>__...}: their versions are whole numbers. */
    private static int number(MigrationVersion version) {
        return Integer.parseInt(version.getVersion());
    }

    private static Flyway flyway(DataSource dataSource) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                .validateMigrationNaming(true)
                .load();
    }
}
