package io.georeg.storage;

import io.georeg.oci.Digest;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The one {@link BlobStore}: content addressing, digest and size verification, and the
 * distribution v2 key layout, over any {@link ObjectStore} backend. A blob is streamed into the
 * backend's uncommitted write ({@link ObjectStore#beginWrite}) while it is hashed ({@link
 * HashingCopy}: a big blob's reading, hashing and writing overlap on three threads), and committed
 * only when digest and size match, as distribution's blob writer does before it links an upload
 * (registry/storage/blobwriter.go).
 *
 * <p>Created by {@link BlobStores#open}; used by the replica's write side and by registry-read.
 */
public final class DefaultBlobStore implements BlobStore {
    private final ObjectStore objects;

    public DefaultBlobStore(ObjectStore objects) {
        this.objects = Objects.requireNonNull(objects, "objects");
    }

    @Override
    public Optional<Long> stat(Digest digest) {
        return objects.size(DistributionLayout.blobData(digest));
    }

    /**
     * {@inheritDoc}
     *
     * <p>A failure to read {@code content} (the source, e.g. the primary registry) is an
     * {@link UncheckedIOException}; a failure of the backend is a {@link StorageException}. In
     * both cases nothing is stored. When the content runs past {@code expectedSize}, reading
     * stops one byte after it and the mismatch reports the digest and size of what was read.
     */
    @Override
    public PutResult put(Digest digest, long expectedSize, InputStream content) {
        ObjectKey key = DistributionLayout.blobData(digest);
        Optional<Long> stored = objects.size(key);
        if (stored.isPresent()) {
            return new PutResult(digest, stored.get(), true);
        }
        HashingCopy.Copied copied;
        try (ObjectStore.PendingWrite write = objects.beginWrite(key)) {
            copied = HashingCopy.copy(digest, expectedSize, content, key, write.stream());
            if (!copied.actual().equals(digest) || (expectedSize >= 0 && copied.size() != expectedSize)) {
                write.abort();
                throw new DigestMismatchException(digest, copied.actual(), expectedSize, copied.size());
            }
            write.commit();
        }
        return new PutResult(digest, copied.size(), false);
    }

    @Override
    public InputStream open(Digest digest, long offset, long length) {
        try {
            return objects.read(DistributionLayout.blobData(digest), offset, length);
        } catch (ObjectNotFoundException e) {
            BlobNotFoundException notFound = new BlobNotFoundException(digest);
            notFound.initCause(e);
            throw notFound;
        }
    }

    @Override
    public void delete(Digest digest) {
        objects.delete(DistributionLayout.blobData(digest));
    }

    @Override
    public Optional<URI> presignedGet(Digest digest, Duration ttl) {
        return objects.presignedGet(DistributionLayout.blobData(digest), ttl);
    }

    @Override
    public ObjectStore objects() {
        return objects;
    }

    @Override
    public void close() {
        objects.close();
    }
}
