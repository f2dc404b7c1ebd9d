package io.georeg.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code georeg status} after {@code georeg reconcile} (and {@code retry} and {@code preheat}, {@code --json} as scripts read them), both run as an operator runs them, against a
 * real PostgreSQL and a real distribution primary: the pass the operator just ran is the last
 * reconcile the status reports, with what it checked and queued.
 */
class ReconcileStatusCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    Path dir;

    @Test
    void statusReportsTheReconcileRunFromTheCommandLine() throws Exception {
        try (Distribution primary = Distribution.storingUnder(dir.resolve("primary"))) {
            try (RegistryHttp http = new RegistryHttp(primary.url())) {
                assertThat(http.push("team/app", "1.0", TestImages.image(1301)).ok())
                        .isTrue();
            }
            Map<String, String> env = Map.of(
                    "GEOREG_DATABASE_URL", DB.jdbcUrl(),
                    "GEOREG_DATABASE_USER", DB.user(),
                    "GEOREG_DATABASE_PASSWORD", DB.password(),
                    "GEOREG_STORAGE_FILESYSTEM_ROOT", dir.resolve("replica").toString(),
                    "GEOREG_REPLICATOR_PRIMARY_URL", primary.url().toString(),
                    "GEOREG_REPLICATOR_INTAKE_SECRET", "reconcile-status-secret");
            assertThat(run(env, "migrate").exit()).isZero();
            assertThat(run(env, "status").out()).contains("never recorded");

            Result reconcile = run(env, "reconcile", "--json");
            assertThat(reconcile.exit()).as(reconcile.toString()).isZero();
            JsonNode summary = JSON.readTree(reconcile.out());
            assertThat(summary.path("repositories").asInt()).as(reconcile.out()).isEqualTo(1);
            assertThat(summary.path("tagPushesQueued").asInt()).isEqualTo(1);
            assertThat(summary.path("errors")).isEmpty();
            assertThat(summary.path("drained").isNull()).isTrue();

            Result preheat = run(env, "preheat", "--json", "team/app:1.0", "team/app:absent");
            assertThat(preheat.exit()).as("one tag is not on the primary").isEqualTo(1);
            JsonNode preheated = JSON.readTree(preheat.out());
            assertThat(preheated.path("tags").toString())
                    .isEqualTo(
                            "[{\"reference\":\"team/app:1.0\",\"queued\":true},{\"reference\":\"team/app:absent\",\"queued\":false}]");
            assertThat(preheated.path("repositories").isNull()).isTrue();

            Result failures = run(env, "retry", "--list", "--json");
            assertThat(failures.exit()).isZero();
            assertThat(JSON.readTree(failures.out()).path("failures").isArray())
                    .as(failures.out())
                    .isTrue();
            Result retry = run(env, "retry", "--json");
            assertThat(JSON.readTree(retry.out()).path("requeued").asInt())
                    .as(retry.out())
                    .isZero();

            Result status = run(env, "status");
            assertThat(status.out())
                    .doesNotContain("never recorded")
                    .containsPattern(
                            "last reconcile\\s+finished \\S+, full pass: 1 repositories, 1 tags checked, 1 queued, 0 errors");
            JsonNode last = JSON.readTree(run(env, "status", "--json").out()).path("lastReconcile");
            assertThat(last.path("runsRecorded").asBoolean())
                    .as(last.toString())
                    .isTrue();
            assertThat(last.path("finishedAt").isTextual()).as(last.toString()).isTrue();
            assertThat(last.path("fullPass").asBoolean()).isTrue();
            assertThat(last.path("repositories").asInt()).isEqualTo(1);
            assertThat(last.path("tagsChecked").asInt()).isEqualTo(1);
            assertThat(last.path("queued").asInt()).isEqualTo(1);
            assertThat(last.path("errors").asInt()).isZero();
        }
    }

    private record Result(int exit, String out, String err) {}

    private static Result run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = GeoregCommand.commandLine(env);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
