package io.georeg.read;

import io.georeg.ops.ClientDeadlines;
import java.util.List;

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
 * @param verifyServedBlobs true (the default): every filesystem blob served whole is hashed on its
 *     way out and a damaged one is refused or aborted before its last byte; false: filesystem blobs
 *     are sent without a per-read hash (file → pooled direct buffer → socket), and damage at
 *     rest is caught by the replicator's scrub and by clients' own digest checks (docs/security.md)
 */
public record ReadOptions(
        String host,
        int port,
        int maxPageSize,
        int blobBufferBytes,
        int maxThreads,
        ClientDeadlines clients,
        boolean verifyServedBlobs) {
    public static final int DEFAULT_MAX_PAGE_SIZE = 1000;

    public static ReadOptions defaults() {
        return new ReadOptions(
                "0.0.0.0", 5000, DEFAULT_MAX_PAGE_SIZE, 64 * 1024, 200, ClientDeadlines.defaults(), true);
    }

    /** Loopback on an ephemeral port: what tests and in-process embedding use. */
    public static ReadOptions loopbackEphemeral() {
        return new ReadOptions("127.0.0.1", 0, DEFAULT_MAX_PAGE_SIZE, 64 * 1024, 64, ClientDeadlines.defaults(), true);
    }

    public ReadOptions withPort(int p) {
        return new ReadOptions(host, p, maxPageSize, blobBufferBytes, maxThreads, clients, verifyServedBlobs);
    }

    public ReadOptions withMaxPageSize(int n) {
        return new ReadOptions(host, port, n, blobBufferBytes, maxThreads, clients, verifyServedBlobs);
    }

    public ReadOptions withVerifyServedBlobs(boolean verify) {
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
        List<String> problems = clients == null ? List.of("read.clients is missing") : clients.problems("read.clients");
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return this;
    }
}
