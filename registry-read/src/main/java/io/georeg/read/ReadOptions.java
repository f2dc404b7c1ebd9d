package io.georeg.read;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.georeg.ops.ClientDeadlines;
import java.util.List;
import java.util.Locale;

/**
 * Settings of the registry-read server. Built by the caller (the {@code georeg serve} wiring,
 * tests) and validated by {@link #validate()}.
 *
 * @param host interface to bind, e.g. {@code 0.0.0.0}
 * @param port TCP port, 0 for an ephemeral one (tests)
 * @param maxPageSize the largest {@code n} of the tags list and the catalog (distribution's
 *     {@code catalog.maxentries}, default 1000)
 * @param blobBufferBytes the copy buffer of a blob stream (bounded memory per download)
 * @param maxThreads Jetty's request thread pool size
 * @param clients how long a client may take to send its request headers, and be silent
 *     ({@code registryRead.clients.headers}, {@code .idle})
 * @param verifyServedBlobs how filesystem blobs served whole are hashed on their way out
 *     ({@link VerifyServedBlobs}; object-store blobs always are, ranges never are)
 */
public record ReadOptions(
        String host,
        int port,
        int maxPageSize,
        int blobBufferBytes,
        int maxThreads,
        ClientDeadlines clients,
        VerifyServedBlobs verifyServedBlobs) {
    public static final int DEFAULT_MAX_PAGE_SIZE = 1000;

    /**
     * {@code registryRead.verifyServedBlobs}: which whole GETs of a filesystem blob are hashed as
     * they are sent, a damaged blob then refused or aborted before its last byte (docs/security.md,
     * "While serving").
     */
    public enum VerifyServedBlobs {
        /** Every one ({@code true} in earlier releases). */
        ALWAYS,
        /**
         * The first in this process, and again whenever the file is not the one verified before:
         * another device, inode, size, modification or change time (the default).
         */
        ONCE,
        /** None: damage at rest is left to the replicator's scrub and clients' digest checks ({@code false}). */
        NEVER;

        /** As the configuration names it: {@code always}, {@code once}, {@code never}. */
        @JsonValue
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** A configured value; {@code true} and {@code false} (a YAML boolean or text) are {@code always} and {@code never}. */
        @JsonCreator
        public static VerifyServedBlobs of(String key) {
            String k = key == null ? "" : key.strip().toLowerCase(Locale.ROOT);
            for (VerifyServedBlobs v : values()) {
                if (v.key().equals(k)) {
                    return v;
                }
            }
            return switch (k) {
                case "true" -> ALWAYS;
                case "false" -> NEVER;
                default ->
                    throw new IllegalArgumentException("registryRead.verifyServedBlobs must be always, once or never"
                            + " (true and false mean always and never); got '" + key + "'");
            };
        }
    }

    public static ReadOptions defaults() {
        return new ReadOptions(
                "0.0.0.0",
                5000,
                DEFAULT_MAX_PAGE_SIZE,
                64 * 1024,
                200,
                ClientDeadlines.defaults(),
                VerifyServedBlobs.ONCE);
    }

    /** Loopback on an ephemeral port: what tests and in-process embedding use. */
    public static ReadOptions loopbackEphemeral() {
        return new ReadOptions(
                "127.0.0.1",
                0,
                DEFAULT_MAX_PAGE_SIZE,
                64 * 1024,
                64,
                ClientDeadlines.defaults(),
                VerifyServedBlobs.ONCE);
    }

    public ReadOptions withPort(int p) {
        return new ReadOptions(host, p, maxPageSize, blobBufferBytes, maxThreads, clients, verifyServedBlobs);
    }

    public ReadOptions withMaxPageSize(int n) {
        return new ReadOptions(host, port, n, blobBufferBytes, maxThreads, clients, verifyServedBlobs);
    }

    public ReadOptions withVerifyServedBlobs(VerifyServedBlobs verify) {
        return new ReadOptions(host, port, maxPageSize, blobBufferBytes, maxThreads, clients, verify);
    }

    /** @throws IllegalArgumentException naming the setting and the allowed values */
    public ReadOptions validate() {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("read.host must be an interface address such as 0.0.0.0");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("read.port must be 0..65535 (got " + port + ")");
        }
        if (maxPageSize < 1 || maxPageSize > 100_000) {
            throw new IllegalArgumentException("read.maxPageSize must be 1..100000 (got " + maxPageSize + ")");
        }
        if (blobBufferBytes < 4096 || blobBufferBytes > 4 * 1024 * 1024) {
            throw new IllegalArgumentException(
                    "read.blobBufferBytes must be 4096..4194304 (got " + blobBufferBytes + ")");
        }
        if (maxThreads < 8) {
            throw new IllegalArgumentException("read.maxThreads must be at least 8 (got " + maxThreads + ")");
        }
        if (verifyServedBlobs == null) {
            throw new IllegalArgumentException("read.verifyServedBlobs must be always, once or never");
        }
        List<String> problems = clients == null ? List.of("read.clients is missing") : clients.problems("read.clients");
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return this;
    }
}
