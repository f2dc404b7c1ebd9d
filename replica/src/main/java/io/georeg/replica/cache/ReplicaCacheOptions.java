package io.georeg.replica.cache;

import java.time.Duration;

/**
 * Settings of the read side's metadata cache ({@link CachingReplicaReader}), the
 * {@code replica.cache.*} keys of the configuration.
 *
 * @param enabled cache at all; off, every read is a database query
 * @param tagTtl the longest a change to a mutable fact (tag → digest, a manifest or blob linked
 *     to a repository, a blob being servable) may go unnoticed by the cache: facts are served only
 *     while the change listener's heartbeat (four per {@code tagTtl}) proved, within the last
 *     {@code tagTtl}, that it had heard every change committed before. A fact itself lives until a
 *     change notification invalidates it or {@code maxEntries} evicts it.
 * @param maxManifestBytes memory for cached manifest bytes (content-addressed, never invalid)
 * @param maxEntries mutable facts held at most, in a table of primitive arrays ({@link FactTable})
 *     of 25 bytes a slot, its slots the power of two above four thirds of the facts it holds:
 *     35–40 bytes a fact, 50 MiB at the default 1,500,000, plus the objects facts share (a
 *     manifest's digest, about 130 bytes, by its tags and link; a stamp by a stripe's facts; a
 *     blob's size): 53 bytes a fact measured with one manifest per nine tags. Once full (the
 *     table's segment a new key falls in), a new key enters only on its second miss
 * @param reconnectDelay wait between attempts to re-open the change listener's connection;
 *     the cache is bypassed meanwhile
 */
public record ReplicaCacheOptions(
        boolean enabled, Duration tagTtl, long maxManifestBytes, int maxEntries, Duration reconnectDelay) {

    public static final Duration DEFAULT_TAG_TTL = Duration.ofSeconds(1);
    public static final long DEFAULT_MAX_MANIFEST_BYTES = 64L * 1024 * 1024;
    public static final int DEFAULT_MAX_ENTRIES = 1_500_000;
    public static final Duration DEFAULT_RECONNECT_DELAY = Duration.ofSeconds(1);

    public ReplicaCacheOptions {
        if (tagTtl == null || tagTtl.isNegative() || tagTtl.isZero() || tagTtl.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("replica.cache.tagTtl must be > 0 and at most 10m (got " + tagTtl + ")");
        }
        if (maxManifestBytes < 0) {
            throw new IllegalArgumentException(
                    "replica.cache.maxManifestBytes must not be negative (got " + maxManifestBytes + ")");
        }
        if (maxEntries < 0) {
            throw new IllegalArgumentException(
                    "replica.cache.maxEntries must not be negative (got " + maxEntries + ")");
        }
        if (reconnectDelay == null
                || reconnectDelay.toMillis() < 10
                || reconnectDelay.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException(
                    "replica.cache.reconnectDelay must be 10ms..1m (got " + reconnectDelay + ")");
        }
    }

    public static ReplicaCacheOptions defaults() {
        return new ReplicaCacheOptions(
                true, DEFAULT_TAG_TTL, DEFAULT_MAX_MANIFEST_BYTES, DEFAULT_MAX_ENTRIES, DEFAULT_RECONNECT_DELAY);
    }

    public static ReplicaCacheOptions disabled() {
        return new ReplicaCacheOptions(
                false, DEFAULT_TAG_TTL, DEFAULT_MAX_MANIFEST_BYTES, DEFAULT_MAX_ENTRIES, DEFAULT_RECONNECT_DELAY);
    }

    public ReplicaCacheOptions withTagTtl(Duration ttl) {
        return new ReplicaCacheOptions(enabled, ttl, maxManifestBytes, maxEntries, reconnectDelay);
    }

    public ReplicaCacheOptions withMaxEntries(int entries) {
        return new ReplicaCacheOptions(enabled, tagTtl, maxManifestBytes, entries, reconnectDelay);
    }

    public ReplicaCacheOptions withReconnectDelay(Duration delay) {
        return new ReplicaCacheOptions(enabled, tagTtl, maxManifestBytes, maxEntries, delay);
    }
}
