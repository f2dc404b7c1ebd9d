package io.georeg.app.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.testkit.db.TestDatabase;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, {@code scripts/demo}, run as a new user runs it: both sites start,
 * the sample images pushed through the one URL are replicated and pulled back from the replica,
 * {@code georeg status} prints, and everything the demo started is stopped when it ends. Nothing
 * else in the suite runs the script, so a change that broke it (a configuration key it writes, a
 * status field it polls, a line of its output) went unseen until someone tried the quickstart.
 * It uses the jar and test kit this build just packaged (the script rebuilds only when a source
 * is newer), the shared PostgreSQL server of the suite with a database of its own
 * ({@code GEOREG_DEMO_DATABASE}, dropped afterwards: two suites on one server, or a developer's
 * {@code scripts/demo --keep}, would otherwise meet on {@code georeg_demo}, which the demo refuses
 * while in use) and ports it picks itself. {@code scripts/demo --auth} is the same script with a
 * token service and an outage at the end; its steps are the e2e ITs' (OutageTokensIT).
 */
class DemoScriptIT {
    @TempDir
    Path work;

    private final String database =
            "georeg_demo_t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @AfterEach
    void dropTheDemosDatabase() throws Exception {
        try (Connection c = DriverManager.getConnection(TestDatabase.serverUrlFromEnvironment());
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    @Test
    void theQuickstartReplicatesServesFromTheReplicaAndStopsWhatItStarted() throws Exception {
        Path out = work.resolve("demo.out");
        Path demoDir = work.resolve("demo");
        ProcessBuilder demo = new ProcessBuilder(List.of("bash", "scripts/demo"))
                .directory(LibSh.repositoryRoot().toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        demo.environment().put("GEOREG_DEMO_DIR", demoDir.toString());
        demo.environment().put("GEOREG_DEMO_DATABASE", database);
        Process p = demo.start();
        boolean ended = p.waitFor(10, TimeUnit.MINUTES);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        String printed = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(ended)
                .as("scripts/demo ended within 10 minutes; it printed:%n%s", printed)
                .isTrue();
        assertThat(p.exitValue())
                .as("scripts/demo's exit code; it printed:%n%s", printed)
                .isZero();
        assertThat(printed)
                .as("pushed through the router, replicated, pulled back from the replica")
                .contains("pushed through the router")
                .containsPattern("replicated to site B in about \\d+ s")
                .containsIgnoringCase("X-Georeg-Source: replica")
                .contains("$ georeg status", "replica bound to primary", "demo done; work directory: " + demoDir)
                .contains("stopped georeg and the primary registry");
        assertThat(Files.list(demoDir.resolve("pulled"))
                        .map(f -> f.getFileName().toString()))
                .as("the multi-arch index pulled through the one URL")
                .contains("manifest.json");
        assertThat(ProcessHandle.allProcesses()
                        .filter(h -> h.info()
                                .commandLine()
                                .filter(line -> line.contains(demoDir.toString()))
                                .isPresent())
                        .map(h -> h.pid() + " " + h.info().commandLine().orElse("?")))
                .as("processes still running with the demo's directory on their command line")
                .isEmpty();
    }
}
