package io.georeg.replicator.verify;

import io.georeg.oci.Digest;
import io.georeg.storage.BlobNotFoundException;
import io.georeg.storage.BlobStore;
import io.georeg.storage.DistributionLayout;
import io.georeg.storage.ObjectNotFoundException;
import io.georeg.storage.StorageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Re-hashes one claimed object, a slice at a time, so that the {@link Verifier} can pace it with its
 * byte budget between slices instead of sleeping. A blob has one copy to check: its bytes in blob
 * storage, streamed through {@link BlobStore#open} and hashed with the digest's algorithm. A
 * manifest has two: its bytes in the database, and the copy distribution keeps in blob storage at
 * {@link DistributionLayout#blobData} (what a promoted stock registry would serve). Every copy must
 * hash to the digest and have the recorded size; the first bad copy decides the outcome.
 *
 * <p>Not thread-safe: one verifier thread drives it. {@link #close()} releases an open stream.
 */
final class ContentCheck implements AutoCloseable {
    private static final int BUFFER_SIZE = 64 * 1024;

    /**
     * What the check found.
     *
     * @param error why the object is bad or could not be checked (null when ok)
     * @param storageCopy true when the bad copy is the one in blob storage
     */
    record Result(VerifyOutcome outcome, String error, boolean storageCopy) {}

    private enum Copy {
        DATABASE("database"),
        STORAGE("storage");

        private final String label;

        Copy(String label) {
            this.label = label;
        }
    }

    private final Claimed claimed;
    private final BlobStore blobs;
    private final Deque<Copy> copies = new ArrayDeque<>();
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private Copy copy;
    private InputStream in;
    private MessageDigest hash;
    private long read;
    private Result result;

    ContentCheck(Claimed claimed, BlobStore blobs) {
        this.claimed = claimed;
        this.blobs = blobs;
        if (claimed.target() == VerifyTarget.MANIFEST) {
            copies.add(Copy.DATABASE);
        }
        copies.add(Copy.STORAGE);
    }

    Claimed claimed() {
        return claimed;
    }

    boolean finished() {
        return result != null;
    }

    /** The outcome, once {@link #finished()}. */
    Result result() {
        if (result == null) {
            throw new IllegalStateException("check of " + claimed + " has not finished");
        }
        return result;
    }

    /**
     * Hashes at most {@code budget} more bytes (opening, finishing and comparing copies on the
     * way) and returns how many it read. Returns early when the check finishes.
     */
    long advance(long budget) {
        long used = 0;
        while (result == null && used < budget) {
            if (in == null && !openNext()) {
                continue;
            }
            int n = readSlice((int) Math.min(buffer.length, budget - used));
            if (n < 0) {
                if (result == null) {
                    finishCopy();
                }
                continue;
            }
            hash.update(buffer, 0, n);
            read += n;
            used += n;
            if (read > claimed.size()) {
                fail(
                        VerifyOutcome.FAILED,
                        copy.label + " copy is longer than the recorded " + claimed.size() + " bytes");
            }
        }
        return used;
    }

    @Override
    public void close() {
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException("closing the " + copy.label + " copy of " + claimed, e);
            } finally {
                in = null;
            }
        }
    }

    /** Opens the next copy; false when it could not be opened or all copies were good (result set). */
    private boolean openNext() {
        copy = copies.poll();
        if (copy == null) {
            result = new Result(VerifyOutcome.OK, null, false);
            return false;
        }
        hash = claimed.digest().algorithm().newMessageDigest();
        read = 0;
        if (copy == Copy.DATABASE) {
            in = new ByteArrayInputStream(claimed.content());
            return true;
        }
        try {
            in = blobs.open(claimed.digest(), 0, -1);
            return true;
        } catch (BlobNotFoundException | ObjectNotFoundException e) {
            fail(VerifyOutcome.MISSING, "storage copy missing at " + DistributionLayout.blobData(claimed.digest()));
        } catch (StorageException e) {
            fail(VerifyOutcome.ERROR, "cannot open storage copy: " + e.getMessage());
        }
        return false;
    }

    /** Reads up to {@code max} bytes; -1 at the end of the copy or when the read failed (result set). */
    private int readSlice(int max) {
        try {
            return in.read(buffer, 0, max);
        } catch (BlobNotFoundException | ObjectNotFoundException e) {
            // Backends that open lazily (object storage) report absence on the first read.
            fail(VerifyOutcome.MISSING, "storage copy missing at " + DistributionLayout.blobData(claimed.digest()));
        } catch (IOException | StorageException e) {
            fail(VerifyOutcome.ERROR, "cannot read " + copy.label + " copy: " + e.getMessage());
        }
        return -1;
    }

    private void finishCopy() {
        Digest actual = Digest.of(claimed.digest().algorithm(), hash.digest());
        if (!actual.equals(claimed.digest()) || read != claimed.size()) {
            fail(
                    VerifyOutcome.FAILED,
                    copy.label + " copy hashes to " + actual + " (" + read + " bytes), expected " + claimed.digest()
                            + " (" + claimed.size() + " bytes)");
            return;
        }
        close();
    }

    private void fail(VerifyOutcome outcome, String error) {
        result = new Result(outcome, error, copy == Copy.STORAGE);
        close();
    }
}
