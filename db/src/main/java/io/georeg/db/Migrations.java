package io.georeg.db;

import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the tracking schema's Flyway migrations ({@code classpath:db/migration}, one
 * {@code V<n>__snake_case.sql} per change, never edited once landed). Called by
 * {@code georeg migrate}, by {@link Database#start()} when {@code migrateOnStart} is set, and by
 * tests on their fresh database.
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
        Flyway flyway = Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                .validateMigrationNaming(true)
                .load();
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
}
