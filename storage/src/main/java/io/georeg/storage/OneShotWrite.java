package io.georeg.storage;

import java.io.IOException;

/**
 * The lifecycle every backend's {@link ObjectStore.PendingWrite} shares: commit at most once,
 * abort idempotent, close aborts unless committed, writes refused once finished, and a commit
 * that fails discards what was written so nothing half-done stays behind. A backend supplies
 * only the two steps that differ: {@link #publish()} and {@link #discard()}.
 */
public abstract class OneShotWrite implements ObjectStore.PendingWrite {
    private final ObjectKey key;
    private boolean finished;

    protected OneShotWrite(ObjectKey key) {
        this.key = key;
    }

    @Override
    public final void commit() {
        if (finished) {
            throw new IllegalStateException("write of " + key + " already committed or aborted");
        }
        finished = true;
        try {
            publish();
        } catch (IOException e) {
            discard();
            throw new StorageException("commit of " + key + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            discard();
            throw e;
        }
    }

    @Override
    public final void abort() {
        if (finished) {
            return;
        }
        finished = true;
        discard();
    }

    @Override
    public final void close() {
        abort();
    }

    protected final ObjectKey key() {
        return key;
    }

    /** For the backend's output stream: refuses bytes after commit or abort. */
    protected final void ensureWritable() throws IOException {
        if (finished) {
            throw new IOException("write of " + key + " already committed or aborted");
        }
    }

    /**
     * Waits for a helper thread of a write (a hashing, writing or flushing thread) to end, even
     * when the caller is interrupted meanwhile (its flag is set again afterwards): such a thread
     * ends by itself, soon, and nothing may be committed or discarded while it still runs.
     */
    protected static void awaitEnd(Thread helper) {
        if (helper == null) {
            return; // never started
        }
        uninterruptibly(helper::join);
    }

    /** A wait that can be interrupted. */
    @FunctionalInterface
    interface Wait {
        void await() throws InterruptedException;
    }

    /** Waits to the end of {@code wait} through interrupts, and sets the caller's interrupt flag again after one. */
    static void uninterruptibly(Wait wait) {
        boolean interrupted = false;
        while (true) {
            try {
                wait.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Makes the written bytes visible under the final key, atomically. */
    protected abstract void publish() throws IOException;

    /** Removes what was written, best effort: it must not throw (a leftover is only invisible garbage). */
    protected abstract void discard();
}
