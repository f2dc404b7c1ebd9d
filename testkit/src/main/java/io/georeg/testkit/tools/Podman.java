package io.georeg.testkit.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Debian's {@code podman} as a build machine's client, with a store of its own under a test's
 * directory: {@code --root}, {@code --runroot} and {@code --tmpdir} there, the {@code vfs} storage
 * driver (plain directories, no mounts), its own {@code HOME} and runtime directory (no credentials
 * or registries of the machine's user), no engine and no container: {@code pull},
 * {@code push}, {@code save} and {@code image inspect} are single commands, each run with a time limit.
 */
public final class Podman {
    public static final Duration TIMEOUT = Duration.ofMinutes(2);
    private final Path binary;
    private final Path dir;

    private Podman(Path binary, Path dir) {
        this.binary = binary;
        this.dir = dir;
    }

    /** Fails with the install hint unless {@code podman} is installed. */
    public static void require() {
        ToolProcess.require("podman", "podman");
    }

    /** A podman whose store and settings live under {@code dir}. */
    public static Podman in(Path dir) {
        Path binary = ToolProcess.require("podman", "podman");
        try {
            for (String sub : List.of("root", "runroot", "tmp", "home", "run")) {
                Files.createDirectories(dir.resolve(sub));
            }
            // No registry of the machine's configuration is searched: references are fully qualified.
            Files.writeString(dir.resolve("registries.conf"), "unqualified-search-registries = []\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Podman(binary, dir);
    }

    /** {@code podman <global options of this store> <args>}, within {@link #TIMEOUT}. */
    public ToolProcess.Result run(String... args) {
        List<String> command = new ArrayList<>(List.of(
                binary.toString(),
                "--root",
                dir.resolve("root").toString(),
                "--runroot",
                dir.resolve("runroot").toString(),
                "--tmpdir",
                dir.resolve("tmp").toString(),
                "--storage-driver",
                "vfs",
                "--cgroup-manager",
                "cgroupfs",
                "--events-backend",
                "none"));
        command.addAll(List.of(args));
        return ToolProcess.run(
                command,
                Map.of(
                        "HOME", dir.resolve("home").toString(),
                        "XDG_RUNTIME_DIR", dir.resolve("run").toString(),
                        "CONTAINERS_REGISTRIES_CONF",
                                dir.resolve("registries.conf").toString()),
                TIMEOUT);
    }

    /** podman's version as {@code podman --version} prints it, e.g. {@code 4.3.1}. */
    public static String version() {
        String out = ToolProcess.run(
                        List.of(ToolProcess.require("podman", "podman").toString(), "--version"),
                        Map.of(),
                        Duration.ofSeconds(30))
                .requireSuccess()
                .output()
                .strip();
        return out.substring(out.lastIndexOf(' ') + 1);
    }
}
