package io.georeg.failover.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Where drill takes its pull credentials from, and the warning for the ones {@code ps} shows. */
class PullCredentialsTest {
    @TempDir
    Path dir;

    @Command(name = "pull")
    static final class Pull implements Callable<Integer> {
        @Mixin
        PullCredentials credentials;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PullCredentials.Credentials c = credentials.resolve(spec);
            spec.commandLine().getOut().print(c == null ? "anonymous" : c.user() + "/" + c.password());
            return 0;
        }
    }

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Pull());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void aCredentialsFileIsReadWithoutItsTrailingNewlineAndAPasswordMayHoldColons() throws Exception {
        Path file = Files.writeString(dir.resolve("pull"), "ci-bot:s3cr:et\n");
        Run r = run("--credentials-file", file.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("ci-bot/s3cr:et");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void theCommandLineFormStillWorksWithAWarning() {
        Run r = run("--credentials", "ci-bot:secret");
        assertThat(r.out()).isEqualTo("ci-bot/secret");
        assertThat(r.err()).contains(PullCredentials.VISIBLE_WARNING);
    }

    @Test
    void withoutEitherThePullsAreAnonymous() {
        assertThat(run().out()).isEqualTo("anonymous");
    }

    @Test
    void aFileWithoutAUserIsRefusedNamingTheFile() throws Exception {
        Path file = Files.writeString(dir.resolve("bad"), "no-colon-here\n");
        Run r = run("--credentials-file", file.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("--credentials-file " + file + " must hold USER:PASSWORD");
    }

    @Test
    void bothFormsAtOnceAreRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("pull"), "a:b");
        Run r = run("--credentials-file", file.toString(), "--credentials", "a:b");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("either --credentials-file or --credentials");
    }
}
