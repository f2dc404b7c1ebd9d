package io.georeg.replica;

import java.time.Duration;

/**
 * How the read side serves blobs: whether a blob GET may be answered with a redirect to a
 * pre-signed storage URL (S3, GCS), and how long such a URL stays valid.
 */
public record ReplicaReadOptions(boolean redirectBlobs, Duration redirectTtl) {

    public static final Duration DEFAULT_REDIRECT_TTL = Duration.ofMinutes(20);

    public ReplicaReadOptions {
        if (redirectTtl == null || redirectTtl.isNegative() || redirectTtl.isZero()) {
            throw new IllegalArgumentException("redirect TTL must be positive (got " + redirectTtl + ")");
        }
    }

    /** Blobs are always streamed by registry-read. */
    public static ReplicaReadOptions streamOnly() {
        return new ReplicaReadOptions(false, DEFAULT_REDIRECT_TTL);
    }

    /** Blob GETs redirect to pre-signed URLs valid for {@code ttl} where the backend signs them. */
    public static ReplicaReadOptions redirect(Duration ttl) {
        return new ReplicaReadOptions(true, ttl);
    }
}
