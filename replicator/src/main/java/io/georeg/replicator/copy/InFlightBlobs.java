package io.georeg.replicator.copy;

import io.georeg.oci.Digest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per blob digest being copied in this process, so that two workers wanting the same blob
 * at once (every image of a corpus shares its base layer; a tag push races the blob-push events
 * of the same push) do not both download it: the second waits for the first, then finds the blob
 * stored and links it. Entries are counted and removed when their last user leaves, so the map
 * holds only digests in flight. Not a correctness device (a duplicate copy is harmless, the blob
 * store's put is idempotent), only a saving; other processes are not excluded. Used by
 * {@link BlobCopier}.
 */
final class InFlightBlobs {
    private final Map<Digest, Entry> entries = new HashMap<>(); // guarded by itself

    /** Waits until no other worker of this process holds {@code digest}, then holds it until the handle closes. */
    Held hold(Digest digest) throws InterruptedException {
        Entry entry;
        synchronized (entries) {
            entry = entries.computeIfAbsent(digest, d -> new Entry());
            entry.users++;
        }
        boolean waited = !entry.lock.tryLock();
        if (waited) {
            try {
                entry.lock.lockInterruptibly();
            } catch (InterruptedException e) {
                leave(digest, entry);
                throw e;
            }
        }
        return new Held() {
            @Override
            public boolean waited() {
                return waited;
            }

            @Override
            public void close() {
                entry.lock.unlock();
                leave(digest, entry);
            }
        };
    }

    /** Digests currently held or waited for (for tests). */
    int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    private void leave(Digest digest, Entry entry) {
        synchronized (entries) {
            if (--entry.users == 0) {
                entries.remove(digest);
            }
        }
    }

    /** A held digest; closing it lets the next waiter in. */
    interface Held extends AutoCloseable {
        /** True when another worker held the digest first (so it may be stored by now). */
        boolean waited();

        @Override
        void close();
    }

    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        int users; // guarded by the map
    }
}
