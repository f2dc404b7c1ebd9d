package io.georeg.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GeoregCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Map<String, String> env, String... args) {
        CommandLine cli = GeoregCommand.commandLine(env);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void helpListsTheSubcommands() {
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(out.toString()).contains("serve", "migrate", "import", "version", "--config");
    }

    @Test
    void versionNamesGeoregAndTheJavaRuntime() {
        assertThat(run(Map.of(), "version")).isZero();
        assertThat(out.toString()).startsWith("georeg ").contains("Java " + Runtime.version().feature());
    }

    @Test
    void unknownConfigurationKeyExitsWithTwoNamingTheKey() throws IOException {
        Path config = Files.writeString(dir.resolve("georeg.yaml"), "registryRead:\n  prot: 5000\n");
        assertThat(run(Map.of(), "--config", config.toString(), "migrate")).isEqualTo(2);
        assertThat(err.toString()).contains("registryRead.prot").contains("port");
    }

    @Test
    void invalidEnvironmentOverrideExitsWithTwoNamingTheKey() {
        assertThat(run(Map.of("GEOREG_DATABASE_URL", "mysql://x"), "serve")).isEqualTo(2);
        assertThat(err.toString()).contains("database.url");
    }

    @Test
    void missingConfigurationFileExitsWithTwo() {
        assertThat(run(Map.of(), "-c", dir.resolve("absent.yaml").toString(), "serve")).isEqualTo(2);
        assertThat(err.toString()).contains("absent.yaml");
    }

    @Test
    void unknownSubcommandIsAUsageError() {
        assertThat(run(Map.of(), "pull")).isEqualTo(2);
        assertThat(err.toString()).contains("pull");
    }
}
