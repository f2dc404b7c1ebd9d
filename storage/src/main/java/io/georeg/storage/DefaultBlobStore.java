package io.georeg.storage;

import io.georeg.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The one {@link BlobStore}: content addressing, digest and size verification, and the
 * distribution v2 key layout, over any {@link ObjectStore} backend. A blob is streamed through a
 * fixed 64 KiB buffer into the backend's uncommitted write ({@link ObjectStore#beginWrite}) while
 * it is hashed, and committed only when digest and size match, as distribution's blob writer
 * does before it links an upload (registry/storage/blobwriter.go).
 *
 * <p>Created by {@link BlobStores#open}; used by the replica's write side and by registry-read.
 */
public final class DefaultBlobStore implements BlobStore {
    static final int BUFFER_SIZE = 64 * 1024;

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
     * stops there and the mismatch reports the digest and size of what was read so far.
     */
    @Override
    public PutResult put(Digest digest, long expectedSize, InputStream content) {
        ObjectKey key = DistributionLayout.blobData(digest);
        Optional<Long> stored = objects.size(key);
        if (stored.isPresent()) {
            return new PutResult(digest, stored.get(), true);
        }
        MessageDigest hash = digest.algorithm().newMessageDigest();
        long total = 0;
        try (ObjectStore.PendingWrite write = objects.beginWrite(key)) {
            OutputStream out = write.stream();
            byte[] buffer = new byte[BUFFER_SIZE];
            while (true) {
                int n = readSource(content, buffer, digest);
                if (n < 0) {
                    break;
                }
                hash.update(buffer, 0, n);
                total += n;
                if (expectedSize >= 0 && total > expectedSize) {
                    break; // oversized: never store more than the caller was promised
                }
                writeTarget(out, buffer, n, key);
            }
            Digest actual = Digest.of(digest.algorithm(), hash.digest());
            if (!actual.equals(digest) || (expectedSize >= 0 && total != expectedSize)) {
                write.abort();
                throw new DigestMismatchException(digest, actual, expectedSize, total);
            }
            write.commit();
        }
        return new PutResult(digest, total, false);
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

    private static int readSource(InputStream content, byte[] buffer, Digest digest) {
        try {
            return content.read(buffer, 0, buffer.length);
        } catch (IOException e) {
            throw new UncheckedIOException("reading content of " + digest + " failed", e);
        }
    }

    private static void writeTarget(OutputStream out, byte[] buffer, int n, ObjectKey key) {
        try {
            out.write(buffer, 0, n);
        } catch (IOException e) {
            throw new StorageException("writing " + key + " failed: " + e.getMessage(), e);
        }
    }
}
