package io.georeg.testkit.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command of a real client's command line ({@code ctr}, {@code podman}) with a time limit:
 * standard output kept as bytes (a blob {@code ctr content get} prints must be compared byte for
 * byte), standard error as text, and the process with its descendants killed when the limit
 * passes, so no test leaves a client running. Also finds the executables that the client tools
 * need, so that a missing one fails with its install hint.
 */
public final class ToolProcess {
    private ToolProcess() {}

    /** The executable {@code name} on PATH, {@code /usr/bin} or {@code /usr/sbin}. */
    public static Optional<Path> find(String name) {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/usr/sbin").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The executable {@code name}, or an {@link AssertionError} naming the Debian package that installs it. */
    public static Path require(String name, String debianPackage) {
        return find(name)
                .orElseThrow(() -> new AssertionError(name + " is not installed: run scripts/test (installs it) or "
                        + "`apt-get update && apt-get install " + debianPackage + "`"));
    }

    /**
     * Runs {@code command} with {@code environment} added to this process's and
     * waits at most {@code timeout}; a run that takes longer is killed (with its children) and fails.
     */
    public static Result run(List<String> command, Map<String, String> environment, Duration timeout) {
        try {
            Path out = Files.createTempFile("tool", ".out");
            Path err = Files.createTempFile("tool", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile());
                pb.environment().putAll(environment);
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    kill(p);
                    throw new AssertionError(command.getFirst() + " did not finish within " + timeout + ": "
                            + String.join(" ", command) + "\n" + Files.readString(err, StandardCharsets.UTF_8));
                }
                return new Result(
                        List.copyOf(command),
                        p.exitValue(),
                        Files.readAllBytes(out),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }

    /** Kills a process and everything it started, and waits (bounded) for it to go. */
    static void kill(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** What one run did. */
    public record Result(List<String> command, int exitCode, byte[] stdout, String stderr) {
        public String output() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        /** Throws with the command and its output unless it exited 0. */
        public Result requireSuccess() {
            if (exitCode != 0) {
                throw new AssertionError(command.getFirst() + " failed (exit " + exitCode + "): "
                        + String.join(" ", command) + "\n" + output() + "\n" + stderr);
            }
            return this;
        }
    }
}
