package io.georeg.testkit.tools;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code containerd} as the client a Kubernetes node is, started by a test as a process of
 * its own: its root, state directory and socket under the test's directory (nothing of the machine's
 * containerd is read or touched), the {@code native} snapshotter (no overlay mounts to leak), and no
 * CRI plugin. Its lifetime is bounded by {@code timeout(1)} so a test JVM that dies cannot leave it
 * running. {@link #ctr} runs Debian's {@code ctr} against it in the namespace {@value #NAMESPACE};
 * {@link #hostsDir()} holds one {@code hosts.toml} per registry host (containerd's
 * {@code config_path} layout), written by {@link #plainHttpHost(String)} for a plain-HTTP registry.
 */
public final class Containerd implements AutoCloseable {
    public static final String NAMESPACE = "georeg-test";
    private static final Duration LIFETIME = Duration.ofMinutes(30);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration CTR_TIMEOUT = Duration.ofMinutes(2);
    /** A unix socket's path has at most 107 bytes. */
    private static final int SOCKET_PATH_LIMIT = 100;

    private final Path dir;
    private final Path socket;
    private final Path ctr;
    private final Process process;

    private Containerd(Path dir, Path socket, Path ctr, Process process) {
        this.dir = dir;
        this.socket = socket;
        this.ctr = ctr;
        this.process = process;
    }

    /** Fails with the install hint unless {@code containerd} and {@code ctr} are installed. */
    public static void require() {
        ToolProcess.require("containerd", "containerd");
        ToolProcess.require("ctr", "containerd");
    }

    /** Starts containerd with everything it keeps under {@code dir} and waits until {@code ctr version} reaches it. */
    public static Containerd start(Path dir) {
        Path binary = ToolProcess.require("containerd", "containerd");
        Path ctr = ToolProcess.require("ctr", "containerd");
        Path socket = dir.resolve("containerd.sock");
        if (socket.toString().length() > SOCKET_PATH_LIMIT) {
            throw new IllegalArgumentException("containerd's socket path is too long for a unix socket: " + socket);
        }
        Process process;
        try {
            Files.createDirectories(dir.resolve("hosts"));
            Path config = Files.writeString(dir.resolve("config.toml"), config(dir, socket));
            process = new ProcessBuilder(
                            ToolProcess.require("timeout", "coreutils").toString(),
                            "--kill-after=10",
                            Long.toString(LIFETIME.toSeconds()),
                            binary.toString(),
                            "--config",
                            config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("containerd.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start containerd in " + dir, e);
        }
        Containerd containerd = new Containerd(dir, socket, ctr, process);
        try {
            await("containerd at " + socket)
                    .atMost(START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> !process.isAlive() || containerd.ctr("version").exitCode() == 0);
        } catch (RuntimeException e) {
            containerd.close();
            throw new AssertionError("containerd did not answer within " + START_TIMEOUT + ":\n" + containerd.log(), e);
        }
        if (!process.isAlive()) {
            throw new AssertionError("containerd exited:\n" + containerd.log());
        }
        return containerd;
    }

    private static String config(Path dir, Path socket) {
        return """
                version = 2
                root = "%s"
                state = "%s"
                disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt",
                  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
                  "io.containerd.snapshotter.v1.overlayfs", "io.containerd.tracing.processor.v1.otlp"]

                [grpc]
                  address = "%s"

                [ttrpc]
                  address = "%s"
                """.formatted(dir.resolve("root"), dir.resolve("state"), socket, dir.resolve("containerd.ttrpc.sock"));
    }

    /** The {@code --hosts-dir} of {@code ctr}: one {@code <host>/hosts.toml} per registry host. */
    public Path hostsDir() {
        return dir.resolve("hosts");
    }

    /** Declares {@code hostPort} a plain-HTTP registry that can resolve, pull and push (its {@code hosts.toml}). */
    public void plainHttpHost(String hostPort) {
        String toml = """
                server = "http://%1$s"

                [host."http://%1$s"]
                  capabilities = ["pull", "resolve", "push"]
                """.formatted(hostPort);
        try {
            Path hostDir = Files.createDirectories(hostsDir().resolve(hostPort));
            Files.writeString(hostDir.resolve("hosts.toml"), toml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ctr --address <socket> --namespace georeg-test <args>}, within {@link #CTR_TIMEOUT}. */
    public ToolProcess.Result ctr(String... args) {
        List<String> command = new ArrayList<>(List.of(ctr.toString(), "--address", socket.toString()));
        command.addAll(List.of("--namespace", NAMESPACE));
        command.addAll(List.of(args));
        // The native snapshotter: the one containerd here runs (no overlay mounts to clean up).
        return ToolProcess.run(command, Map.of("CONTAINERD_SNAPSHOTTER", "native"), CTR_TIMEOUT);
    }

    /** The bytes containerd's content store holds under {@code digest}. */
    public byte[] content(String digest) {
        return ctr("content", "get", digest).requireSuccess().stdout();
    }

    /** containerd's version as {@code containerd --version} prints it, e.g. {@code 1.6.20~ds1}. */
    public static String version() {
        String out = ToolProcess.run(
                        List.of(ToolProcess.require("containerd", "containerd").toString(), "--version"),
                        Map.of(),
                        Duration.ofSeconds(30))
                .requireSuccess()
                .output()
                .strip();
        String[] words = out.split("\\s+");
        return words.length >= 3 ? words[2] : out;
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("containerd.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops containerd (SIGTERM, then SIGKILL after 10 s); its files stay under the test's directory. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                ToolProcess.kill(process);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
