package io.georeg.failover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Where drill and promote take the admin token from, and the warning for the one {@code ps} shows. */
class RouterTargetsTest {
    @TempDir
    Path dir;

    /** A command with just the mixin, printing the token it resolved. */
    @Command(name = "targets")
    static final class Targets implements Callable<Integer> {
        @Mixin
        RouterTargets targets;

        @Spec
        CommandSpec spec;

        final Optional<String> configured;

        Targets(Optional<String> configured) {
            this.configured = configured;
        }

        @Override
        public Integer call() {
            spec.commandLine().getOut().print("token=" + targets.adminToken(spec, () -> configured));
            return 0;
        }
    }

    private record Run(int exit, String out, String err) {}

    private static Run run(Optional<String> configured, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Targets(configured));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void aTokenFileIsReadWithoutItsTrailingNewlineAndWinsOverTheConfiguration() throws Exception {
        Path file = Files.writeString(dir.resolve("admin-token"), "from-file\n");
        Run r = run(Optional.of("from-config"), "--router", "http://r", "--admin-token-file", file.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("token=from-file");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void withoutAnOptionTheConfiguredTokenIsUsed() {
        Run r = run(Optional.of("from-config"), "--router", "http://r");
        assertThat(r.out()).isEqualTo("token=from-config");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void theCommandLineTokenStillWorksWithAWarning() {
        Run r = run(Optional.of("from-config"), "--router", "http://r", "--admin-token", "from-argv");
        assertThat(r.out()).isEqualTo("token=from-argv");
        assertThat(r.err()).contains(RouterTargets.VISIBLE_WARNING);
    }

    @Test
    void noTokenAnywhereIsAUsageErrorSayingWhatToSet() {
        Run r = run(Optional.empty(), "--router", "http://r");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no admin token", "--admin-token-file", "GEOREG_ROUTER_ADMIN_TOKEN");
    }

    @Test
    void bothOptionsOrAnEmptyFileAreUsageErrors() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertThat(run(Optional.empty(), "--router", "http://r", "--admin-token-file", empty.toString())
                        .err())
                .contains("is empty");
        assertThat(run(
                                Optional.empty(),
                                "--router",
                                "http://r",
                                "--admin-token-file",
                                empty.toString(),
                                "--admin-token",
                                "t")
                        .err())
                .contains("not both");
    }
}
