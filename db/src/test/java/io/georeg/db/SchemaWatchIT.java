package io.georeg.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.db.SchemaStatus.Verdict;
import io.georeg.testkit.db.NewerRelease;
import io.georeg.testkit.db.TestDatabase;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The guard's repeated reading of the schema: Flyway's full reading runs again only when a
 * migration was applied since the last call, and the answer is the one a full reading gives at
 * every stage (nothing migrated, migrated, a newer release's expansion, then its contraction).
 */
class SchemaWatchIT {
    @Test
    void readsInFullOnlyWhenAMigrationLandedAndAnswersAsAFullReadingWould() throws Exception {
        try (TestDatabase empty = TestDatabase.create();
                Database db =
                        new Database(DatabaseConfig.of(empty.jdbcUrl(), empty.user(), empty.password())).start()) {
            AtomicInteger fullReads = new AtomicInteger();
            SchemaWatch watch = new SchemaWatch(db.dataSource(), ds -> {
                fullReads.incrementAndGet();
                return Migrations.status(ds);
            });

            assertThat(watch.get().verdict()).isEqualTo(Verdict.PENDING);
            assertThat(watch.get().verdict()).isEqualTo(Verdict.PENDING);
            assertThat(fullReads)
                    .as("no history table yet: nothing to fingerprint, each call reads")
                    .hasValue(2);

            Migrations.migrate(db.dataSource());
            assertThat(watch.get()).isEqualTo(Migrations.status(db.dataSource()));
            for (int i = 0; i < 5; i++) {
                assertThat(watch.get().verdict()).isEqualTo(Verdict.UP_TO_DATE);
            }
            assertThat(fullReads)
                    .as("read once after the migration, then from the fingerprint")
                    .hasValue(3);

            NewerRelease.EXPANDED.migrate(db.dataSource(), Migrations.LOCATION);
            assertThat(watch.get().verdict()).isEqualTo(Verdict.AHEAD);
            assertThat(watch.get().runnable()).isTrue();
            assertThat(fullReads).hasValue(4);

            NewerRelease.CONTRACTED.migrate(db.dataSource(), Migrations.LOCATION);
            SchemaStatus contracted = watch.get();
            assertThat(contracted.verdict()).isEqualTo(Verdict.INCOMPATIBLE);
            assertThat(contracted).isEqualTo(Migrations.status(db.dataSource()));
            assertThat(fullReads).hasValue(5);

            // The floor alone moving (no new history row) is seen too.
            try (var c = db.dataSource().getConnection();
                    var s = c.createStatement()) {
                s.executeUpdate("UPDATE schema_compatibility SET oldest_code_schema = 1");
            }
            assertThat(watch.get().runnable()).isTrue();
            assertThat(fullReads).hasValue(6);
        }
    }
}
