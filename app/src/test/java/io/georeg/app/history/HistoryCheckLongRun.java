package io.georeg.app.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.testkit.db.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The longer history run, on demand only ({@code scripts/check-history}; its name does not end in
 * IT, so the suite does not run it): {@code history.clients} clients (default 6) for
 * {@code history.seconds} (default 300), the figures and every violation written to
 * {@code app/target/history-check.md}. Fails on any violation or a diverged tag, like
 * {@link HistoryCheckIT}.
 */
class HistoryCheckLongRun {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    Path temp;

    @Test
    void longRun() throws Exception {
        int clients = Integer.getInteger("history.clients", 6);
        Duration duration = Duration.ofSeconds(Long.getLong("history.seconds", 300));
        long seed = Long.getLong("history.seed", Instant.now().getEpochSecond());
        HistoryRun.Result result = HistoryRun.run(DB, temp, clients, duration, seed, 0);

        String report = "# History check, " + Instant.now() + " (seed " + seed + ")\n\n```\n" + result.figures()
                + "\n```\n\n"
                + "Asserted (reads through either router): " + HistoryCheckIT.ASSERTED
                + "\n\n"
                + "## Violations\n\n```\n"
                + result.violations().stream().map(Object::toString).collect(Collectors.joining("\n"))
                + "\n```\n\n## Diverged after quiescence\n\n```\n"
                + result.diverged().stream().map(Object::toString).collect(Collectors.joining("\n")) + "\n```\n";
        Files.writeString(Path.of("target", "history-check.md"), report);

        assertThat(result.violationsIn(HistoryCheckIT.ASSERTED)).isEmpty();
        assertThat(result.diverged()).isEmpty();
    }
}
