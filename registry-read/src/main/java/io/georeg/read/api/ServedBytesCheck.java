package io.georeg.read.api;

import io.georeg.oci.Digest;
import io.georeg.oci.ErrorCode;
import io.georeg.oci.OciException;
import io.georeg.replica.ReplicaReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hashes a whole blob while {@link BlobBody} sends it, so that stored bytes damaged since they
 * were copied are never delivered as the blob: the body holds back its last chunk until
 * {@link #beforeLastChunk} has compared the digest. On a mismatch the blob is quarantined
 * ({@link ReplicaReader#quarantineBlob}: not served again, the router falls back to the primary,
 * the verifier confirms and queues a re-copy) and the request fails with {@code BLOB_UNKNOWN}:
 * when nothing was sent yet (a blob of one chunk) that is the answer, a 404 on which the router
 * fetches the blob from the primary; otherwise the response is aborted, so the client sees a
 * failed transfer, never a complete one with wrong bytes, and its retry gets the primary's copy.
 * Ranged requests cannot be checked this way and are not.
 */
final class ServedBytesCheck {
    private static final Logger LOG = LoggerFactory.getLogger(ServedBytesCheck.class);

    private final Digest expected;
    private final long length;
    private final ReplicaReader replica;
    private final MessageDigest hash;
    private long hashed;
    private boolean compared;

    ServedBytesCheck(Digest expected, long length, ReplicaReader replica) {
        this.expected = expected;
        this.length = length;
        this.replica = replica;
        this.hash = expected.algorithm().newMessageDigest();
    }

    /** Hashes bytes about to be sent; true when they end the blob (check before sending them). */
    boolean update(byte[] bytes, int offset, int n) {
        hash.update(bytes, offset, n);
        hashed += n;
        return hashed >= length;
    }

    /** Hashes the remaining bytes of {@code buffer} without moving its position; true when they end the blob. */
    boolean update(ByteBuffer buffer) {
        hashed += buffer.remaining();
        hash.update(buffer.duplicate());
        return hashed >= length;
    }

    /**
     * Compares what was hashed with the digest before the last bytes go out.
     *
     * @throws OciException {@code BLOB_UNKNOWN} when the stored bytes are not the blob
     */
    void beforeLastChunk() {
        compared = true;
        Digest actual = Digest.of(expected.algorithm(), hash.digest());
        if (hashed != length || !actual.equals(expected)) {
            corrupt("stored bytes hash to " + actual + " (" + hashed + " bytes) while served, expected " + expected
                    + " (" + length + " bytes)");
        }
    }

    /** After the last read: bytes that ended early (or an empty blob) are compared here. */
    void atEnd() {
        if (compared) {
            return;
        }
        if (hashed < length) {
            compared = true;
            corrupt("stored bytes ended after " + hashed + " of " + length + " bytes while served");
        }
        beforeLastChunk();
    }

    private void corrupt(String evidence) {
        OciException abort = new OciException(
                ErrorCode.BLOB_UNKNOWN,
                "blob unknown to registry",
                Map.of("digest", expected.toString()),
                new IOException("blob " + expected + " is damaged in storage; not served: " + evidence));
        try {
            replica.quarantineBlob(expected, evidence);
            LOG.error(
                    "{}; it is not served any more and the verifier re-checks and re-copies it",
                    abort.getCause().getMessage());
        } catch (RuntimeException e) {
            abort.addSuppressed(e);
            LOG.error(
                    "{}; marking it failed also failed, it may be served (and aborted) again",
                    abort.getCause().getMessage(),
                    e);
        }
        throw abort;
    }
}
