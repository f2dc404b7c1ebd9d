package io.georeg.app.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.testkit.db.TestDatabase;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The database functions of scripts/lib.sh against the test server: {@code ensure_database} (what
 * scripts/setup-database runs for the database georeg's defaults name) creates a missing database
 * owned by georeg and leaves an existing one alone; {@code fresh_database} (scripts/demo's site B)
 * creates one anew, and refuses while something is connected to it. Each test uses a name of its
 * own, never the shared default.
 */
class ScriptDatabasesIT {
    private final String name =
            "georeg_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    private final String serverUrl = TestDatabase.serverUrlFromEnvironment();

    private Connection server() throws Exception {
        return DriverManager.getConnection(serverUrl);
    }

    /** The port of the test server: ensure_database talks to 127.0.0.1:$GEOREG_PG_PORT as role georeg. */
    private String port() {
        URI uri = URI.create(serverUrl.substring("jdbc:".length()));
        assertThat(uri.getHost())
                .as("ensure_database works on the local server scripts/lib.sh sets up")
                .isEqualTo("127.0.0.1");
        assertThat(uri.getQuery())
                .as("ensure_database logs in as georeg/georeg")
                .contains("user=georeg")
                .contains("password=georeg");
        return String.valueOf(uri.getPort() < 0 ? 5432 : uri.getPort());
    }

    private String owner() throws Exception {
        return ownerOf(name);
    }

    private String ownerOf(String database) throws Exception {
        try (Connection c = server();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '" + database + "'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @AfterEach
    void drop() throws Exception {
        try (Connection c = server();
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    @Test
    void createsAMissingDatabaseOwnedByGeoregAndLeavesAnExistingOneAlone() throws Exception {
        Map<String, String> env = Map.of("GEOREG_PG_PORT", port());
        LibSh.Result first = LibSh.runOk(env, "ensure_database " + name);
        assertThat(first.err()).contains("created database " + name);
        assertThat(owner()).isEqualTo("georeg");

        LibSh.Result second = LibSh.runOk(env, "ensure_database " + name);
        assertThat(second.err()).doesNotContain("created");
        assertThat(owner()).isEqualTo("georeg");
    }

    /**
     * Tried: {@code scripts/demo} while an earlier {@code scripts/demo --keep} still ran on its
     * database. Its {@code DROP DATABASE ... WITH (FORCE)} ended the running georeg's sessions, whose
     * pool reconnected to the new database of the same name: two replicators with two different
     * primaries shared one queue, and the new demo's images were never replicated (it gave up after
     * 60 s). Now a database in use is refused, named with who uses it, and left as it was.
     */
    @Test
    void freshDatabaseRefusesADatabaseInUseAndLeavesItAsItWas() throws Exception {
        Map<String, String> env = Map.of("GEOREG_PG_PORT", port());
        try (TestDatabase site = TestDatabase.create()) {
            String name = site.databaseName();
            try (Connection running = connect(site, "georeg");
                    Statement s = running.createStatement()) {
                s.execute("CREATE TABLE left_by_the_running_site (id int)");

                LibSh.Result refused = LibSh.run(env, "fresh_database " + name);

                assertThat(refused.exitCode()).isEqualTo(1);
                assertThat(refused.err())
                        .contains("database " + name + " is in use (1 connection(s): georeg)")
                        .contains("stop it first");
                // The running site's session and its database are untouched.
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM left_by_the_running_site")) {
                    assertThat(rs.next()).isTrue();
                }
            }

            LibSh.runOk(env, "fresh_database " + name);

            try (Connection fresh = connect(site, "test");
                    Statement s = fresh.createStatement();
                    ResultSet rs = s.executeQuery(
                            "SELECT count(*) FROM pg_tables WHERE tablename = 'left_by_the_running_site'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1))
                        .as("created anew: nothing of the old database is left")
                        .isZero();
            }
            assertThat(ownerOf(name)).isEqualTo("georeg");
        }
    }

    /** A session in {@code database} that PostgreSQL shows as {@code application}'s. */
    private static Connection connect(TestDatabase database, String application) throws Exception {
        Properties properties = new Properties();
        properties.setProperty("user", database.user());
        properties.setProperty("password", database.password());
        properties.setProperty("ApplicationName", application);
        return DriverManager.getConnection(database.jdbcUrl(), properties);
    }

    @Test
    void refusesANameThatIsNoPlainIdentifier() throws Exception {
        LibSh.Result result =
                LibSh.run(Map.of("GEOREG_PG_PORT", port()), "ensure_database 'x; DROP DATABASE postgres'");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("is not a plain lower-case database name");
    }
}
