package io.georeg.app.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.testkit.db.TestDatabase;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ensure_database} of scripts/lib.sh (what scripts/setup-database runs for the database
 * georeg's defaults name) creates a missing database owned by georeg and leaves an existing one
 * alone, against the test server. It uses a name of its own, never the shared default.
 */
class EnsureDatabaseIT {
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
        try (Connection c = server();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '" + name + "'")) {
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

    @Test
    void refusesANameThatIsNoPlainIdentifier() throws Exception {
        LibSh.Result result =
                LibSh.run(Map.of("GEOREG_PG_PORT", port()), "ensure_database 'x; DROP DATABASE postgres'");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("is not a plain lower-case database name");
    }
}
