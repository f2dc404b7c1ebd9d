package io.georeg.egress;

/**
 * The system properties the JDK's HTTP client reads once, when its first client is built, and
 * that georeg needs set otherwise than the JDK's defaults. georeg's entry point calls {@link
 * #applyDefaults()} before anything else; an operator who set one of them (e.g. in {@code
 * JAVA_OPTS}) keeps their value. The replicator's integration tests set the same values on the
 * test JVM's command line (its pom), since a test cannot run before the first client of its JVM.
 */
public final class JdkClientProperties {
    /**
     * The JDK's HTTP client refuses to send Basic credentials in a {@code CONNECT} to a proxy unless
     * this allows it; HTTPS to a primary behind a proxy that asks for an account is such a tunnel.
     * Empty: no scheme is refused. Only {@link PrimaryEgress#configure}'s authenticator gives proxy
     * credentials, and only to {@link PrimaryEgress#proxy}, so {@code primary.proxyUsername} works.
     */
    static final String TUNNEL_DISABLED_SCHEMES = "jdk.http.auth.tunneling.disabledSchemes";

    /**
     * The size of the buffers the JDK's HTTP/1.1 client reads a connection into and hands to the
     * response body, 16 KiB by default. At 16 KiB a 256 MiB layer reached the replicator in 16,384
     * buffers, each handed from the client's selector thread to the copying thread in lock-step and
     * read from the socket by a syscall of its own: the client read the primary at 341 MB/s where
     * curl read 1524 MB/s (docs/benchmarks.md, big-layer). At 256 KiB a read of such a layer took
     * less than half the JVM's CPU time (0.16 against 0.40 s at best, curl 0.15 s). Not larger: the
     * client slices responses out of one buffer per connection, and on a small heap (G1 regions of
     * 1 MiB) a buffer of 512 KiB or more is allocated as a humongous object.
     */
    static final String BUFFER_SIZE = "jdk.httpclient.bufsize";

    static final String BUFFER_BYTES = String.valueOf(256 * 1024);

    private JdkClientProperties() {}

    /** Sets each property georeg needs unless it is set already; before the first HTTP client. */
    public static void applyDefaults() {
        setUnlessSet(TUNNEL_DISABLED_SCHEMES, "");
        setUnlessSet(BUFFER_SIZE, BUFFER_BYTES);
    }

    private static void setUnlessSet(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
