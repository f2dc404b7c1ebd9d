package io.georeg.ops;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * This process as other processes and operators see it in the shared database: host name and
 * pid ({@code georeg-replicator-7c9f/1}, a pod's host name being the pod's name). Used by the
 * replicator's lease owner names and the primary binding's {@code bound_by}.
 */
public final class ProcessName {
    private ProcessName() {}

    /** {@code host/pid}; {@code unknown-host/pid} when the host name cannot be resolved. */
    public static String hostAndPid() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "/" + ManagementFactory.getRuntimeMXBean().getPid();
    }
}
