package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Debian's {@code skopeo} (a real registry client) with a deadline; output is kept for assertions. */
final class Skopeo {
    static final Path BINARY = Path.of("/usr/bin/skopeo");

    record Result(int exitCode, String output) {
        Result assertSucceeded() {
            assertThat(exitCode).as("skopeo failed:\n%s", output).isZero();
            return this;
        }
    }

    private final Path home;

    Skopeo(Path home) {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: install it with `sudo apt-get install skopeo` (scripts/test does it)");
        }
        this.home = home;
    }

    /** {@code skopeo --debug --insecure-policy <args>}, 120 s at most. */
    Result run(String... args) {
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--debug", "--insecure-policy"));
        command.addAll(List.of(args));
        try {
            Files.createDirectories(home);
            Path log = Files.createTempFile(home, "skopeo", ".log");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            // Own HOME and auth file: no credentials of the machine's user leak into the test.
            pb.environment().put("HOME", home.toString());
            pb.environment().put("REGISTRY_AUTH_FILE", home.resolve("auth.json").toString());
            pb.environment().put("XDG_RUNTIME_DIR", home.toString());
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("skopeo " + args[0] + " did not finish within 120 s:\n" + Files.readString(log));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
