package io.georeg.app.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.ops.BuildInfo;
import io.georeg.testkit.tools.ToolProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image's smoke test in the suite: {@code charts/image/build-image --check} builds
 * the image from the jar this build just shaded ({@code package} runs before Failsafe) and starts
 * it in a chroot and with podman, which must print this build's version and pass {@code JAVA_OPTS}
 * and {@code JDK_JAVA_OPTIONS} to the JVM. The checks are the script's, so that the suite and an
 * operator running it by hand test the same thing; this test gives it the jar, a directory of its
 * own and a time limit, and holds it to its exit code, its version line and its cleanup. It needs
 * root, {@code mmdebstrap}, {@code podman} with a container runtime and the Debian archive, as
 * {@code scripts/test} provides; without them it fails saying what is missing.
 */
class ImageSmokeIT {
    /** A loaded 2-core machine took 8 minutes; the bound only stops a hung run. */
    private static final Duration LIMIT = Duration.ofMinutes(15);

    private static final Duration GRACE = Duration.ofSeconds(60);

    private static final String RUN_ROOT_PREFIX = "/tmp/georeg-image-run.";

    @TempDir
    Path dir;

    @Test
    void builtImageStartsAndPrintsThisBuildsVersionWithTheJvmOptionsItWasGiven() throws IOException {
        Path jar =
                Path.of(System.getProperty("georeg.jar", "target/georeg.jar")).toAbsolutePath();
        assertThat(jar).as("the shaded jar (built in `package`)").exists();
        assertThat(ToolProcess.run(List.of("id", "-u"), Map.of(), Duration.ofSeconds(30))
                        .requireSuccess()
                        .output()
                        .strip())
                .as("the image smoke test chroots into the image and mounts /proc in it: run the suite as root,"
                        + " as CI does (scripts/test)")
                .isEqualTo("0");
        for (String tool : List.of("mmdebstrap", "skopeo", "podman", "timeout")) {
            ToolProcess.require(tool, tool.equals("timeout") ? "coreutils" : tool);
        }
        Path script = repositoryRoot().resolve("charts/image/build-image");
        List<Path> runRootsBefore = podmanRunRoots();

        // timeout signals the script's whole process group with SIGTERM, so its exit trap removes
        // the chroot, its /proc mount and the podman store before the grace period ends.
        ToolProcess.Result result = ToolProcess.run(
                List.of(
                        "timeout",
                        "--kill-after=" + GRACE.toSeconds(),
                        String.valueOf(LIMIT.toSeconds()),
                        script.toString(),
                        "--check"),
                Map.of(
                        "JAR", jar.toString(),
                        "OUT", dir.resolve("out").toString(),
                        "TMPDIR", dir.toString(),
                        "JAVA_HOME", System.getProperty("java.home")),
                LIMIT.plus(GRACE).plus(GRACE));
        List<String> leftMounts = mountsUnder(dir.toRealPath() + "/", RUN_ROOT_PREFIX);
        List<Path> leftRunRoots = podmanRunRoots().stream()
                .filter(p -> !runRootsBefore.contains(p))
                .toList();
        String output = new String(result.stdout(), StandardCharsets.UTF_8) + result.stderr();

        assertThat(result.exitCode())
                .as("build-image --check exit code (124: not done within %s); its output:%n%s", LIMIT, output)
                .isZero();
        BuildInfo build = BuildInfo.current();
        assertThat(output.lines())
                .as("the image's own version line")
                .contains("check: image version: " + build.label() + " (revision " + build.revision() + ")")
                .contains("check: ok");
        assertThat(leftMounts)
                .as("mounts the smoke test left under its directory")
                .isEmpty();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("what build-image left in its TMPDIR besides its output (its chroot and podman store"
                            + " must be gone)")
                    .containsOnly("out");
        }
    }

    /**
     * Mount points under any of {@code prefixes}, unmounted here (deepest first) so that a failed
     * run leaves none behind.
     */
    private static List<String> mountsUnder(String... prefixes) throws IOException {
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(line -> line.split(" ")[4])
                .filter(point -> Stream.of(prefixes).anyMatch(point::startsWith))
                .sorted(Comparator.reverseOrder())
                .toList();
        for (String point : mounts) {
            ToolProcess.run(List.of("umount", "-l", point), Map.of(), Duration.ofSeconds(30));
        }
        return mounts;
    }

    /** build-image's podman run roots (short directories under /tmp: podman refuses long ones). */
    private static List<Path> podmanRunRoots() throws IOException {
        try (Stream<Path> tmp = Files.list(Path.of("/tmp"))) {
            return tmp.filter(p -> p.toString().startsWith(RUN_ROOT_PREFIX)).toList();
        }
    }

    private static Path repositoryRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("charts/image/build-image"))) {
                return d;
            }
        }
        throw new IllegalStateException(
                "charts/image/build-image not found above " + Path.of("").toAbsolutePath());
    }
}
