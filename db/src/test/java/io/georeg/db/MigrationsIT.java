package io.georeg.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.testkit.db.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MigrationsIT {

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @Test
    void migrationsApplyToAnEmptyDatabaseAndASecondRunAppliesNothing() throws Exception {
        try (TestDatabase empty = TestDatabase.create();
                Database db =
                        new Database(DatabaseConfig.of(empty.jdbcUrl(), empty.user(), empty.password())).start()) {
            Migrations.Result first = Migrations.migrate(db.dataSource());
            assertThat(first.applied()).startsWith("1");
            assertThat(first.currentVersion()).isNotNull();

            Migrations.Result second = Migrations.migrate(db.dataSource());
            assertThat(second.applied()).isEmpty();
            assertThat(second.currentVersion()).isEqualTo(first.currentVersion());

            assertThat(tables(db))
                    .contains(
                            "repositories",
                            "blobs",
                            "repository_blobs",
                            "manifests",
                            "manifest_blobs",
                            "manifest_children",
                            "tags");
        }
    }

    @Test
    void digestColumnsRefuseMalformedDigests() throws Exception {
        try (Database db = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                        .withMigrateOnStart(true))
                .start()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> db.transactions()
                            .inTransaction(c -> {
                                try (Statement s = c.createStatement()) {
                                    return s.executeUpdate("insert into blobs (digest, size) values ('sha256:XYZ', 1)");
                                }
                            }))
                    .isInstanceOf(DatabaseException.class)
                    .isNotInstanceOf(DatabaseUnavailableException.class)
                    .extracting(e -> ((DatabaseException) e).sqlState())
                    .isEqualTo("23514");
        }
    }

    private static List<String> tables(Database db) throws Exception {
        try (Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "select table_name from information_schema.tables where table_schema = 'public'")) {
            List<String> names = new ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            return names;
        }
    }
}
