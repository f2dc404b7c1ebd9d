package io.georeg.testkit.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FreshDatabaseIT {

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @Test
    void registeredExtensionProvidesAnEmptyFreshDatabase() throws Exception {
        assertThat(DB.databaseName()).startsWith("georeg_t_");
        try (Connection c = DB.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select current_database(), count(*) from information_schema.tables "
                        + "where table_schema = 'public'")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(DB.databaseName());
            assertThat(rs.getInt(2)).isZero();
        }
    }

    @Test
    void closeDropsTheDatabaseEvenWithAnOpenConnection() throws Exception {
        TestDatabase db = TestDatabase.create();
        String name = db.databaseName();
        Connection leftover = db.connect();
        db.close();
        assertThat(leftover.isValid(2)).isFalse();
        try (Connection c = DB.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select count(*) from pg_database where datname = '" + name + "'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    @Test
    void unreachableServerFailsWithInstructions() {
        TestDatabase db = new TestDatabase("jdbc:postgresql://127.0.0.1:1/postgres?user=x&password=y&connectTimeout=2");
        assertThatThrownBy(db::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("scripts/test")
                .hasMessageContaining("pg_ctlcluster");
    }
}
