package io.georeg.storage;

import io.georeg.oci.Digest;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Content-addressed blob storage in the distribution v2 layout
 * ({@code docker/registry/v2/blobs/<alg>/<first two hex>/<hex>/data}), over one
 * {@link ObjectStore} backend (filesystem, S3 or GCS). Owns digest verification: a blob is
 * streamed to a temporary key while it is hashed and committed under its digest only when the
 * bytes match, so a reader never sees a partial or wrong blob.
 *
 * <p>Called by the replica's write side (which the replicator drives) and read side (which
 * registry-read serves from). Repository link files live in {@link DistributionLayout} paths and
 * are written by the replica through {@link #objects()}.
 */
public interface BlobStore extends AutoCloseable {

    /** Size of the stored blob, or empty when it is not stored. */
    Optional<Long> stat(Digest digest);

    /**
     * Streams {@code content} to a temporary key while hashing it with the digest's algorithm,
     * then commits it under the digest. Safe to repeat: an already-stored blob is left as it is
     * (the stream is not read). Never holds the blob in memory.
     *
     * @param expectedSize the size the caller was told, or -1 when unknown
     * @throws DigestMismatchException when the bytes hash to another digest or another size;
     *     nothing is stored
     */
    PutResult put(Digest digest, long expectedSize, InputStream content)
            throws DigestMismatchException, StorageException;

    /** Opens a stored blob from {@code offset} for {@code length} bytes (-1: to the end). */
    InputStream open(Digest digest, long offset, long length) throws BlobNotFoundException, StorageException;

    /** Removes a stored blob; absent is fine. */
    void delete(Digest digest) throws StorageException;

    /** A time-limited GET URL for the blob where the backend can sign one (S3, GCS). */
    Optional<URI> presignedGet(Digest digest, Duration ttl) throws StorageException;

    /** The backend under this store, for link files and other non-blob objects. */
    ObjectStore objects();

    /** {@link ObjectStore#removeAbandonedWrites} of the underlying store. */
    default int removeAbandonedWrites(Instant startedBefore) throws StorageException {
        return objects().removeAbandonedWrites(startedBefore);
    }

    @Override
    void close();

    /** What {@link #put} did. */
    record PutResult(Digest digest, long size, boolean alreadyPresent) {}
}
