package io.georeg.testkit.tools;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The accept queue the kernel keeps for a listening TCP port of this machine, as {@code ss}
 * reports it (its {@code Send-Q} column for a socket in {@code LISTEN}): what a listener asked for
 * at {@code listen(2)}, capped at {@code net.core.somaxconn}.
 */
public final class ListenBacklog {
    private ListenBacklog() {}

    /** The backlog of the socket listening on {@code port} (any address). */
    public static int of(int port) {
        Path ss = ToolProcess.require("ss", "iproute2");
        ToolProcess.Result r =
                ToolProcess.run(List.of(ss.toString(), "-ltnH", "sport = :" + port), Map.of(), Duration.ofSeconds(10));
        if (r.exitCode() != 0) {
            throw new AssertionError("ss failed: " + r.stderr());
        }
        String[] lines = r.output().strip().split("\n");
        if (lines.length != 1 || lines[0].isBlank()) {
            throw new AssertionError("expected one listening socket on port " + port + ", ss printed: " + r.output());
        }
        // State Recv-Q Send-Q Local:Port Peer:Port
        return Integer.parseInt(lines[0].trim().split("\\s+")[2]);
    }

    /** What the kernel grants a listener that asks for {@code requested}: at most {@code net.core.somaxconn}. */
    public static int granted(int requested) {
        // Read as a stream: Files.readString trusts the size procfs reports and returned "4" of "4096".
        try (var in = Files.newInputStream(Path.of("/proc/sys/net/core/somaxconn"))) {
            int max = Integer.parseInt(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
            return Math.min(requested, max);
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot read /proc/sys/net/core/somaxconn", e);
        }
    }
}
