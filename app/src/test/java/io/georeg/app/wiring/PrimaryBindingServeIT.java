package io.georeg.app.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.app.cli.GeoregCommand;
import io.georeg.app.config.ConfigLoader;
import io.georeg.replicator.binding.PrimaryBindingException;
import io.georeg.replicator.cli.PrimariesCommand;
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
 * The primary binding as an operator meets it through the command line and {@code georeg serve}:
 * a replicator of another primary on a bound database exits 1 with the explanation,
 * {@code georeg primaries} answers by its exit code, and after {@code --adopt} the running
 * replicator of the old primary turns unready ({@code "primaries"} in {@code /-/ready}) while one
 * of the adopted primary starts.
 */
class PrimaryBindingServeIT {
    private static final String SITE_A = "https://127.0.0.2";
    private static final String SITE_B = "http://LocalHost:5999/";

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    Path dir;

    @Test
    void serveRefusesAnotherPrimaryAndAdoptRebindsTheDatabase() throws Exception {
        assertThat(georeg("migrate").code()).isZero();
        try (GeoregServer siteA = serve(SITE_A)) {
            URI ready = siteA.component(ReplicatorComponent.class).uri().resolve("/-/ready");
            assertThat(get(ready).statusCode()).isEqualTo(200);

            Run refused = georegWith(SITE_B, "serve");
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.out())
                    .contains("georeg serve failed: the tracking database " + DB.jdbcUrl())
                    .contains("primary 'primary': bound to https://127.0.0.2:443")
                    .contains("configured here as http://localhost:5999")
                    .contains("georeg primaries --adopt");
            assertThatThrownBy(() -> serve(SITE_B)).isInstanceOf(PrimaryBindingException.class);
            assertThat(georegWith(SITE_B, "reconcile").code())
                    .as("a command that builds a replicator is refused too")
                    .isEqualTo(1);

            assertThat(georegWith(SITE_A, "primaries").code()).isZero();
            Run different = georegWith(SITE_B, "primaries");
            assertThat(different.code()).isEqualTo(PrimariesCommand.DIFFERENT);
            assertThat(different.out()).contains("stored      primary https://127.0.0.2:443 (bound ");

            Run adopted = georegWith(SITE_B, "primaries", "--adopt");
            assertThat(adopted.code()).isZero();
            assertThat(adopted.out()).contains("primary: https://127.0.0.2:443 -> http://localhost:5999");
            assertThat(georegWith(SITE_B, "primaries").code()).isZero();

            siteA.component(ReplicatorComponent.class).replicator().recheckBinding();
            HttpResponse<String> unready = get(ready);
            assertThat(unready.statusCode()).isEqualTo(503);
            assertThat(unready.body()).contains("\"primaries\":\"unreachable\"");
            try (GeoregServer siteB = serve(SITE_B)) {
                assertThat(get(siteB.component(ReplicatorComponent.class).uri().resolve("/-/ready"))
                                .statusCode())
                        .isEqualTo(200);
            }
        }
    }

    private record Run(int code, String out) {}

    private Run georeg(String... args) {
        return georegWith(SITE_A, args);
    }

    /** {@code georeg args…} with a configuration whose one primary is {@code primary}. */
    private Run georegWith(String primary, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = GeoregCommand.commandLine(environment(primary));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        int code = cli.execute(args);
        return new Run(code, out.toString());
    }

    private GeoregServer serve(String primary) throws Exception {
        return new GeoregServer(new ConfigLoader(environment(primary)).load(Optional.empty())).start();
    }

    private Map<String, String> environment(String primary) {
        Map<String, String> env = new HashMap<>();
        env.put("GEOREG_DATABASE_URL", DB.jdbcUrl());
        env.put("GEOREG_DATABASE_USER", DB.user());
        env.put("GEOREG_DATABASE_PASSWORD", DB.password());
        env.put("GEOREG_STORAGE_FILESYSTEM_ROOT", dir.resolve("storage").toString());
        env.put("GEOREG_COMPONENTS", "replicator");
        env.put("GEOREG_REPLICATOR_PORT", "0");
        env.put("GEOREG_REPLICATOR_INTAKE_SECRET", "primary-binding-secret-0123456789");
        env.put("GEOREG_REPLICATOR_PRIMARY_URL", primary);
        return env;
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
