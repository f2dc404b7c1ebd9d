package io.georeg.replica;

import io.georeg.replica.cache.ReplicaCacheOptions;
import java.time.Duration;

/**
 * How the read side serves: whether a blob GET may be answered with a redirect to a pre-signed
 * storage URL (S3, GCS), how long such a URL stays valid, and how metadata is cached in memory
 * ({@link ReplicaCacheOptions}, used by {@link io.georeg.replica.cache.CachingReplicaReader}).
 */
public record ReplicaReadOptions(boolean redirectBlobs, Duration redirectTtl, ReplicaCacheOptions cache) {

    public static final Duration DEFAULT_REDIRECT_TTL = Duration.ofMinutes(20);

    public ReplicaReadOptions {
        if (redirectTtl == null || redirectTtl.isNegative() || redirectTtl.isZero()) {
            throw new IllegalArgumentException("redirect TTL must be positive (got " + redirectTtl + ")");
        }
        if (cache == null) {
            cache = ReplicaCacheOptions.defaults();
        }
    }

    /** Blobs are always streamed by registry-read. */
    public static ReplicaReadOptions streamOnly() {
        return new ReplicaReadOptions(false, DEFAULT_REDIRECT_TTL, ReplicaCacheOptions.defaults());
    }

    /** Blob GETs redirect to pre-signed URLs valid for {@code ttl} where the backend signs them. */
    public static ReplicaReadOptions redirect(Duration ttl) {
        return new ReplicaReadOptions(true, ttl, ReplicaCacheOptions.defaults());
    }

    public ReplicaReadOptions withCache(ReplicaCacheOptions c) {
        return new ReplicaReadOptions(redirectBlobs, redirectTtl, c);
    }
}
