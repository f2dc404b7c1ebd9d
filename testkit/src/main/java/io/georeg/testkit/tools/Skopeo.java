package io.georeg.testkit.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's {@code skopeo} as the real OCI client of the end-to-end tests, with a time
 * limit, collecting its output. A missing binary fails with how to install it (tests never skip).
 */
public final class Skopeo {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);
    private final String binary;
    private final Path home;

    private Skopeo(String binary, Path home) {
        this.binary = binary;
        this.home = home;
    }

    /**
     * This skopeo with its own {@code HOME}, auth file and runtime dir under {@code home}, so no
     * credentials or policy of the machine's user leak into a test (pass {@code --insecure-policy}
     * when there is no policy.json there).
     */
    public Skopeo withHome(Path home) {
        return new Skopeo(binary, home);
    }

    /** The skopeo on PATH (or /usr/bin), or an {@link AssertionError} saying how to install it. */
    public static Skopeo require() {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/bin").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "skopeo");
            if (Files.isExecutable(candidate)) {
                return new Skopeo(candidate.toString(), null);
            }
        }
        throw new AssertionError("skopeo is not installed: run scripts/test (installs it) or `apt-get install skopeo`");
    }

    /** skopeo's version as {@code skopeo --version} prints it, e.g. {@code 1.9.3}. */
    public static String version() {
        String out = require().run("--version").requireSuccess().output().strip();
        return out.substring(out.lastIndexOf(' ') + 1);
    }

    /** {@code skopeo copy --all} from a plain-HTTP registry at {@code 127.0.0.1} to a {@code dir:} directory. */
    public Result copyAllToDir(String dockerReference, Path dir) {
        return run(
                List.of("copy", "--all", "--src-tls-verify=false", "docker://" + dockerReference, "dir:" + dir),
                DEFAULT_TIMEOUT);
    }

    /** {@code skopeo inspect --raw} of a plain-HTTP registry reference. */
    public Result inspectRaw(String dockerReference) {
        return run(List.of("inspect", "--raw", "--tls-verify=false", "docker://" + dockerReference), DEFAULT_TIMEOUT);
    }

    /** {@code skopeo <args>} with {@link #DEFAULT_TIMEOUT}. */
    public Result run(String... args) {
        return run(List.of(args), DEFAULT_TIMEOUT);
    }

    public Result run(List<String> args, Duration timeout) {
        List<String> command = new ArrayList<>();
        command.add(binary);
        command.addAll(args);
        try {
            Path output = Files.createTempFile("skopeo", ".log");
            try {
                ProcessBuilder pb =
                        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
                if (home != null) {
                    Files.createDirectories(home);
                    pb.environment().put("HOME", home.toString());
                    pb.environment()
                            .put("REGISTRY_AUTH_FILE", home.resolve("auth.json").toString());
                    pb.environment().put("XDG_RUNTIME_DIR", home.toString());
                }
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("skopeo did not finish within " + timeout + ": " + command + "\n"
                            + Files.readString(output));
                }
                return new Result(command, p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }

    /** What one skopeo run did. */
    public record Result(List<String> command, int exitCode, String output) {
        /** Throws with the command and its output unless it exited 0. */
        public Result requireSuccess() {
            if (exitCode != 0) {
                throw new AssertionError(
                        "skopeo failed (exit " + exitCode + "): " + String.join(" ", command) + "\n" + output);
            }
            return this;
        }
    }
}
