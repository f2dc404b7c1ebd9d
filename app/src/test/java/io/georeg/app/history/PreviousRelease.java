package io.georeg.app.history;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The previous release of georeg as a runnable jar, built from its commit of this repository:
 * {@code git archive} of the commit into {@code target/previous-release/<commit>} (nothing of the
 * repository's own state changes, no worktree is registered), then {@code mvn package} of its
 * {@code app} module and what it needs, without tests, never {@code install} (the local Maven
 * repository keeps this build's artifacts). A commit's jar never changes, so it is kept under the
 * user's cache ({@code $XDG_CACHE_HOME} or {@code ~/.cache}, {@code georeg/previous-release/}),
 * where the next fresh clone on the machine finds it; only the first run pays for the build (a few
 * minutes on a loaded 2-core machine). Needs the commit in the clone ({@code git clone} has it; a
 * shallow clone does not).
 */
final class PreviousRelease {
    private static final long BUILD_MINUTES = 15;

    private PreviousRelease() {}

    /** The shaded {@code georeg.jar} of {@code commit}, built on first use. */
    static Path jar(String commit) throws IOException, InterruptedException {
        Path cached = cacheDirectory().resolve(commit + ".jar");
        if (Files.exists(cached)) {
            return cached;
        }
        Path root = repositoryRoot();
        Path source = Path.of("target", "previous-release", commit).toAbsolutePath();
        Path jar = source.resolve("app/target/georeg.jar");
        if (!Files.exists(jar)) {
            build(root, source, commit, jar);
        }
        // Another build may publish the same commit's jar at once: copy aside, then move in one step.
        Files.createDirectories(cached.getParent());
        Path copy = Files.createTempFile(cached.getParent(), commit, ".part");
        Files.copy(jar, copy, StandardCopyOption.REPLACE_EXISTING);
        Files.move(copy, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return cached;
    }

    private static void build(Path root, Path source, String commit, Path jar)
            throws IOException, InterruptedException {
        run(root, source.resolveSibling(commit + "-archive.log"), 2, "git", "cat-file", "-e", commit + "^{commit}");
        deleteRecursively(source);
        Files.createDirectories(source);
        run(
                root,
                source.resolveSibling(commit + "-archive.log"),
                2,
                "sh",
                "-c",
                "git archive --format=tar \"$0\" | tar -x -C \"$1\"",
                commit,
                source.toString());
        // package, never install: the shared local repository keeps the current build's artifacts.
        run(
                source,
                source.resolveSibling(commit + "-build.log"),
                BUILD_MINUTES,
                "mvn",
                "-B",
                "-q",
                "package",
                "-pl",
                "app",
                "-am",
                "-Dmaven.test.skip=true",
                "-Dspotless.check.skip=true");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("the build of " + commit + " made no " + jar);
        }
    }

    private static Path cacheDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("georeg").resolve("previous-release");
    }

    /** The checkout's root, from git (the working directory is the app module). */
    private static Path repositoryRoot() throws IOException, InterruptedException {
        Process git = new ProcessBuilder("git", "rev-parse", "--show-toplevel")
                .redirectErrorStream(true)
                .start();
        String out = new String(git.getInputStream().readAllBytes()).strip();
        if (!git.waitFor(1, TimeUnit.MINUTES) || git.exitValue() != 0) {
            throw new IllegalStateException("the previous-release test needs a git checkout of georeg with its history"
                    + " (git clone, not a source archive); git rev-parse said: " + out);
        }
        return Path.of(out);
    }

    private static void run(Path dir, Path log, long minutes, String... command)
            throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(List.of(command))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(
                    String.join(" ", command) + " took longer than " + minutes + " minutes; its output is in " + log);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed with exit code " + p.exitValue()
                    + " (a shallow clone lacks the commit: git fetch --unshallow; mvn and git must be on the"
                    + " PATH): " + Files.readString(log));
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
