package io.georeg.storage;

import java.time.Duration;

/**
 * How long one call of the S3 or GCS client may take, the same for both (docs/configuration.md).
 * The replicator retries a failed copy with its own backoff and the health probe runs again on
 * its own schedule, so the clients' own retries only bridge a blip; left to their defaults the
 * GCS client retried each call for about 50 s and the S3 client backed 503 answers off for
 * seconds, so a shutdown during an outage outlasted Kubernetes' grace period and probes their
 * budget. No bound covers a whole attempt: a slow but progressing transfer is never cut.
 */
public final class CallBounds {
    /** Attempts of one call, the first included; the health probe makes one. */
    public static final int MAX_ATTEMPTS = 3;
    /** First wait between attempts, doubled after each, throttling answers (503) included. */
    public static final Duration BACKOFF_BASE = Duration.ofMillis(200);
    /** Longest wait between attempts. */
    public static final Duration BACKOFF_MAX = Duration.ofSeconds(1);
    /** Time to open a connection: a store that accepts none in this time is down. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Longest silence while reading an answer: per read, not per transfer. */
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private CallBounds() {}
}
