package io.georeg.app.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.app.cli.GeoregCommand;
import io.georeg.app.config.ConfigLoader;
import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.db.Migrations;
import io.georeg.ops.BuildInfo;
import io.georeg.testkit.db.NewerRelease;
import io.georeg.testkit.db.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The version-skew guard as an operator meets it, on a real PostgreSQL through an upgrade's
 * stages: {@code georeg migrate --check}'s exit codes, {@code georeg serve} refusing a schema it
 * must not run on (naming its version, the schema's and what to run), and a running process
 * turning unready when a newer release's contract migration lands under it.
 */
class SchemaGuardIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    Path dir;

    @Test
    void migrateCheckAndServeFollowTheSchemaThroughAnUpgrade() throws Exception {
        String binary = BuildInfo.current().label();
        assertThat(check().code()).as("empty database: pending").isEqualTo(3);
        assertThatThrownBy(this::serve)
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining(binary)
                .hasMessageContaining("database is at schema 0")
                .hasMessageContaining("run `georeg migrate`");

        assertThat(georeg("migrate").code()).isZero();
        Run upToDate = check();
        assertThat(upToDate.code()).isZero();
        assertThat(upToDate.out()).contains(binary, "up to date");
        JsonNode json = new ObjectMapper()
                .readTree(georeg("migrate", "--check", "--json").out());
        assertThat(json.path("state").asText()).isEqualTo("up-to-date");
        assertThat(json.path("database").asInt()).isEqualTo(json.path("binary").asInt());

        try (Database db = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())).start()) {
            NewerRelease.EXPANDED.migrate(db.dataSource(), Migrations.LOCATION);
            Run ahead = check();
            assertThat(ahead.code()).as("ahead by an expansion").isEqualTo(4);
            assertThat(ahead.out()).contains("still runs");

            try (GeoregServer running = serve()) {
                URI readiness =
                        running.component(RegistryReadComponent.class).uri().resolve("/-/ready");
                assertThat(get(readiness).statusCode()).isEqualTo(200);
                assertThat(get(readiness).body()).contains("\"schema\":\"reachable\"");

                NewerRelease.CONTRACTED.migrate(db.dataSource(), Migrations.LOCATION);
                running.resources().schemaGuard().recheck();
                HttpResponse<String> unready = get(readiness);
                assertThat(unready.statusCode()).isEqualTo(503);
                assertThat(unready.body()).contains("\"schema\":\"unreachable\"", "\"database\":\"reachable\"");
            }
        }
        Run incompatible = check();
        assertThat(incompatible.code()).as("ahead by a contraction").isEqualTo(5);
        assertThat(incompatible.out()).contains("schema " + NewerRelease.EXPANSION_VERSION + " or newer");
        assertThatThrownBy(this::serve)
                .isInstanceOf(SchemaMismatchException.class)
                .hasMessageContaining(binary)
                .hasMessageContaining("database is at schema 91")
                .hasMessageContaining("schema " + NewerRelease.EXPANSION_VERSION + " or newer");
    }

    private record Run(int code, String out) {}

    private Run check() {
        return georeg("migrate", "--check");
    }

    private Run georeg(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = GeoregCommand.commandLine(environment());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        int code = cli.execute(args);
        return new Run(code, out.toString());
    }

    private GeoregServer serve() throws Exception {
        Map<String, String> env = new HashMap<>(environment());
        env.put("GEOREG_COMPONENTS", "registry-read");
        env.put("GEOREG_REGISTRY_READ_PORT", "0");
        return new GeoregServer(new ConfigLoader(env).load(Optional.empty())).start();
    }

    private Map<String, String> environment() {
        return Map.of(
                "GEOREG_DATABASE_URL", DB.jdbcUrl(),
                "GEOREG_DATABASE_USER", DB.user(),
                "GEOREG_DATABASE_PASSWORD", DB.password(),
                "GEOREG_STORAGE_FILESYSTEM_ROOT", dir.resolve("storage").toString());
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
