package io.georeg.ops;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * This process as other processes and operators see it in the shared database: host name and
 * pid ({@code georeg-replicator-7c9f/1}, a pod's host name being the pod's name). Used by the
 * replicator's lease owner names, the primary binding's {@code bound_by} and the router's name in
 * shared reports.
 */
public final class ProcessName {
    private ProcessName() {}

    /** {@code host/pid}; {@code unknown-host/pid} when the host name cannot be resolved. */
    public static String hostAndPid() {
        return host().orElse("unknown-host") + "/"
                + ManagementFactory.getRuntimeMXBean().getPid();
    }

    /** This machine's host name (a pod's name in a cluster); empty when it cannot be resolved. */
    public static Optional<String> host() {
        try {
            return Optional.of(InetAddress.getLocalHost().getHostName());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
