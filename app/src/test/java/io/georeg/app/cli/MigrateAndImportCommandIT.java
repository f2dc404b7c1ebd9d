package io.georeg.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.testkit.corpus.Corpus;
import io.georeg.testkit.corpus.CorpusGenerator;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code georeg migrate} and {@code georeg import} as an operator runs them, against a real PostgreSQL. */
class MigrateAndImportCommandIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    Path dir;

    private String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = GeoregCommand.commandLine(Map.of(
                "GEOREG_DATABASE_URL", DB.jdbcUrl(),
                "GEOREG_DATABASE_USER", DB.user(),
                "GEOREG_DATABASE_PASSWORD", DB.password(),
                "GEOREG_STORAGE_FILESYSTEM_ROOT", dir.resolve("storage").toString()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        assertThat(code)
                .as("georeg " + String.join(" ", args) + " exit code; stderr: " + err)
                .isZero();
        return out.toString();
    }

    @Test
    void migrateAppliesOnceThenReportsUpToDateAndImportIsRepeatable() throws Exception {
        assertThat(run("migrate")).contains("applied migration 1").contains("database is now at version");
        assertThat(run("migrate")).contains("database is up to date");
        JsonNode upToDate = new ObjectMapper().readTree(run("migrate", "--json"));
        assertThat(upToDate.path("applied")).isEmpty();
        assertThat(upToDate.path("version").asText()).isNotBlank();

        Corpus corpus = CorpusGenerator.withSeed(5).bigLayerSize(100_000).generate();
        OciLayoutWriter.writeAll(corpus, dir.resolve("layouts"));
        String first = run("import", dir.resolve("layouts").toString());
        assertThat(first).contains("library/alpine: 3 manifests", "tags [3.19, latest]", "team/multiarch", "big/layer");
        String second = run("import", dir.resolve("layouts").toString());
        assertThat(second).contains("library/alpine: 3 manifests, 0 blobs written");

        assertThat(run(
                        "import",
                        "--repository",
                        "copies/alpine",
                        dir.resolve("layouts/library/alpine").toString()))
                .contains("copies/alpine: 3 manifests, 0 blobs written");
    }
}
