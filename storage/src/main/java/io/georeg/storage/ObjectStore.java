package io.georeg.storage;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The small contract a storage backend implements, in the spirit of distribution's storage
 * driver: keys are '/'-separated relative paths below the backend's root (validated by
 * {@link ObjectKey}), values are byte streams. Everything content-addressed is built on top of it
 * by {@link BlobStore}. One conformance suite covers every implementation.
 */
public interface ObjectStore extends AutoCloseable {

    /** Size of the object, or empty when absent. */
    Optional<Long> size(ObjectKey key) throws StorageException;

    /**
     * Reads {@code length} bytes from {@code offset} (-1: to the end). A range that runs past
     * the end stops at the end; one that starts at or after the end reads as empty.
     *
     * @throws ObjectNotFoundException when no object is stored at {@code key}
     */
    InputStream read(ObjectKey key, long offset, long length) throws StorageException;

    /** Writes a small object (link files, manifests) in one atomic step. */
    void writeSmall(ObjectKey key, byte[] content) throws StorageException;

    /**
     * Starts a streamed write of a possibly huge object. Nothing is visible at
     * {@code finalKey} until {@link PendingWrite#commit()}; {@link PendingWrite#abort()} (or
     * close without commit) leaves nothing behind.
     */
    PendingWrite beginWrite(ObjectKey finalKey) throws StorageException;

    /** Deletes one object; absent is fine. */
    void delete(ObjectKey key) throws StorageException;

    /** Keys directly or indirectly below {@code prefix}, in lexical order. */
    List<ObjectKey> list(ObjectKey prefix) throws StorageException;

    /**
     * Removes what streamed writes begun before {@code startedBefore} and never committed or
     * aborted left behind: a process killed mid-copy leaves a temporary file (filesystem), an
     * incomplete multipart upload (S3) or a temporary object (GCS) that nothing else would ever
     * remove. A write still in progress is spared as long as it began after the cutoff, so the
     * cutoff must lie further back than the longest copy. Returns how many leftovers it removed.
     */
    int removeAbandonedWrites(Instant startedBefore) throws StorageException;

    /**
     * Returns when the backend can be read now, throws when it cannot: the health probe of the
     * secondary's storage (an unreachable S3 endpoint, a filesystem volume gone bad, a bucket
     * that does not exist). By default a stat of a key that need not exist, where absent is an
     * answer and a failure is not; a backend where a stat cannot tell a missing object from a
     * missing root (a directory gone, a bucket deleted: S3 and GCS answer both with 404) lists
     * its root instead.
     */
    default void probe() throws StorageException {
        size(ObjectKey.of("docker/registry/v2/georeg-probe"));
    }

    /** A pre-signed GET URL, where the backend can make one. */
    Optional<URI> presignedGet(ObjectKey key, Duration ttl) throws StorageException;

    @Override
    void close();

    /**
     * A write in progress: write the bytes to {@link #stream()}, then commit or abort. Used by
     * one thread at a time.
     */
    interface PendingWrite extends AutoCloseable {
        /** Where the bytes go; closing it neither commits nor aborts. */
        OutputStream stream();

        /** Makes the object visible at its final key, atomically. */
        void commit() throws StorageException;

        /** Discards what was written. Idempotent. */
        void abort();

        /** Aborts unless committed. */
        @Override
        void close();
    }
}
