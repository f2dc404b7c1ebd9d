package io.georeg.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.db.SchemaStatus.Verdict;
import io.georeg.testkit.db.NewerRelease;
import io.georeg.testkit.db.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The version-skew guard's reading of a real database through every stage of an upgrade: empty,
 * migrated, then migrated further by a newer release ({@link NewerRelease}: an expansion, then a
 * contraction that raises the compatibility floor).
 */
class SchemaStatusIT {
    private static final String BINARY = "georeg 1.2.3";

    @Test
    void aBinaryRunsOnItsOwnSchemaAndOnNewerExpansionsButNotBeforeItsMigrationsOrAfterAContraction() throws Exception {
        int shipped = newestShippedMigration();
        try (TestDatabase empty = TestDatabase.create();
                Database db =
                        new Database(DatabaseConfig.of(empty.jdbcUrl(), empty.user(), empty.password())).start()) {
            SchemaStatus fresh = Migrations.status(db.dataSource());
            assertThat(fresh.verdict()).isEqualTo(Verdict.PENDING);
            assertThat(fresh.database()).isZero();
            assertThat(fresh.known()).isEqualTo(shipped);
            assertThat(fresh.pending()).hasSize(shipped).startsWith(1).endsWith(shipped);
            assertThat(fresh.problem(BINARY))
                    .hasValueSatisfying(
                            p -> assertThat(p).contains(BINARY, "schema " + shipped, "schema 0", "georeg migrate"));

            Migrations.migrate(db.dataSource());
            SchemaStatus current = Migrations.status(db.dataSource());
            assertThat(current.verdict()).isEqualTo(Verdict.UP_TO_DATE);
            assertThat(current.database()).isEqualTo(shipped);
            assertThat(current.pending()).isEmpty();
            assertThat(current.oldestCodeSchema())
                    .as("the floor stays below the schema while every migration is an expansion")
                    .isLessThan(shipped);
            assertThat(current.problem(BINARY)).isEmpty();

            NewerRelease.EXPANDED.migrate(db.dataSource(), Migrations.LOCATION);
            SchemaStatus expanded = Migrations.status(db.dataSource());
            assertThat(expanded.verdict()).isEqualTo(Verdict.AHEAD);
            assertThat(expanded.database()).isEqualTo(90);
            assertThat(expanded.known()).isEqualTo(shipped);
            assertThat(expanded.runnable()).isTrue();
            assertThat(expanded.problem(BINARY)).isEmpty();

            NewerRelease.CONTRACTED.migrate(db.dataSource(), Migrations.LOCATION);
            SchemaStatus contracted = Migrations.status(db.dataSource());
            assertThat(contracted.verdict()).isEqualTo(Verdict.INCOMPATIBLE);
            assertThat(contracted.oldestCodeSchema()).isEqualTo(90);
            assertThat(contracted.runnable()).isFalse();
            assertThat(contracted.problem(BINARY))
                    .hasValueSatisfying(p -> assertThat(p)
                            .contains(BINARY, "schema up to " + shipped, "at schema 91", "schema 90 or newer"));

            assertThat(Migrations.migrate(db.dataSource()).applied())
                    .as("this binary's migrate leaves a newer schema alone")
                    .isEmpty();
        }
    }

    /** The highest {@code V<n>} among the migration files of this module. */
    private static int newestShippedMigration() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__"))))
                    .max()
                    .orElseThrow();
        }
    }
}
