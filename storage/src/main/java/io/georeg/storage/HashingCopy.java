package io.georeg.storage;

import io.georeg.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Moves one blob's bytes from its source into a backend's uncommitted write while hashing them,
 * for {@link DefaultBlobStore#put}. It never commits: the caller compares digest and size first.
 *
 * <p>A blob of {@value #INLINE_BELOW_BYTES} bytes or more (or of unknown size) is read, hashed
 * and written by three threads at once: the caller's thread reads the source (for the replicator,
 * the primary's HTTP answer), one thread hashes and one writes, over a ring of up to {@value
 * #CHUNKS} chunks of {@value #CHUNK_BYTES} bytes, allocated as the copy needs them. In series on
 * one thread, hashing and writing a 256 MiB layer took longer than reading it from the primary
 * (docs/benchmarks.md), and the source was not read meanwhile; overlapped, the copy takes about as
 * long as its slowest step. The chunks are as large as the JDK client's read buffers
 * ({@code jdk.httpclient.bufsize}, 256 KiB in georeg's launcher), not larger: the hasher and the
 * writer start on a chunk as soon as one client buffer has arrived. With the same 4 MiB in
 * flight as 4 chunks of 1 MiB, each stage waited for a whole 1 MiB, with little slack between
 * the stages when one of them waited for a CPU: a 256 MiB copy from the primary took 1.3–1.8× as
 * long for about the same CPU time (docs/benchmarks.md, "One 256 MiB layer"). A smaller blob is
 * copied on the caller's thread: handing it over would cost more than it saves.
 *
 * <p>Nothing outlives a copy: both stages have ended when {@link #copy} returns or throws. Their
 * threads are the process's {@link CopyStages}, not started anew for each copy.
 */
final class HashingCopy {
    static final int CHUNK_BYTES = 256 * 1024;
    static final int CHUNKS = 16;
    static final int INLINE_BELOW_BYTES = 1024 * 1024;

    private final Digest digest;
    private final ObjectKey key;
    private final MessageDigest hash;
    private final OutputStream target;

    private HashingCopy(Digest digest, ObjectKey key, OutputStream target) {
        this.digest = digest;
        this.key = key;
        this.hash = digest.algorithm().newMessageDigest();
        this.target = target;
    }

    /** What was read: its digest and size (more than {@code expectedSize} when the source ran past it). */
    record Copied(Digest actual, long size) {}

    /**
     * Copies {@code source} into {@code target}, reading at most one byte past {@code expectedSize}
     * (-1: unknown); bytes past it are hashed, never written.
     *
     * @throws UncheckedIOException when reading the source fails
     * @throws StorageException when writing to the target fails
     */
    static Copied copy(Digest digest, long expectedSize, InputStream source, ObjectKey key, OutputStream target) {
        HashingCopy copy = new HashingCopy(digest, key, target);
        long size = expectedSize >= 0 && expectedSize < INLINE_BELOW_BYTES
                ? copy.inline(source, expectedSize)
                : copy.overlapped(source, expectedSize);
        return new Copied(Digest.of(digest.algorithm(), copy.hash.digest()), size);
    }

    /** All on the caller's thread: read, hash, write, chunk by chunk. */
    private long inline(InputStream source, long expectedSize) {
        byte[] buffer = new byte[(int) expectedSize + 1];
        long total = 0;
        while (true) {
            int n = read(source, buffer, total, expectedSize);
            if (n == 0) {
                return total;
            }
            total += n;
            hash.update(buffer, 0, n);
            if (pastExpected(total, expectedSize)) {
                return total;
            }
            write(buffer, n);
        }
    }

    /** Reads on the caller's thread while a hashing thread and a writing thread take the chunks in order. */
    private long overlapped(InputStream source, long expectedSize) {
        Ring free = new Ring();
        BlockingQueue<Chunk> toHash = new LinkedBlockingQueue<>(); // never more than CHUNKS entries
        BlockingQueue<Chunk> toWrite = new LinkedBlockingQueue<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        String name = digest.hex().substring(0, 12);
        CopyStages.Stage hasher = null;
        CopyStages.Stage writer = null;
        long total = 0;
        try {
            hasher = CopyStages.start(
                    "blob-hash-" + name,
                    () -> drain(toHash, failure, chunk -> hash.update(chunk.bytes, 0, chunk.length)));
            writer = CopyStages.start(
                    "blob-write-" + name, () -> drain(toWrite, failure, chunk -> write(chunk.bytes, chunk.length)));
            while (failure.get() == null) {
                Chunk chunk = free.take();
                int n = read(source, chunk.bytes, total, expectedSize);
                if (n == 0) {
                    free.put(chunk);
                    break;
                }
                total += n;
                chunk.length = n;
                if (pastExpected(total, expectedSize)) {
                    chunk.handOff(toHash); // hashed for the mismatch's report, never written
                    break;
                }
                chunk.handOff(toHash, toWrite);
            }
        } finally {
            toHash.add(Chunk.END);
            toWrite.add(Chunk.END);
            CopyStages.awaitEnd(hasher);
            CopyStages.awaitEnd(writer);
        }
        Throwable failed = failure.get();
        if (failed instanceof RuntimeException e) {
            throw e;
        }
        if (failed instanceof Error e) {
            throw e;
        }
        if (failed != null) {
            throw new StorageException("copy of " + digest + " to " + key + " failed: " + failed, failed);
        }
        return total;
    }

    /** Fills {@code buffer} as far as the source and the size limit allow; 0 at the end of the source. */
    private int read(InputStream source, byte[] buffer, long total, long expectedSize) {
        int want = buffer.length;
        if (expectedSize >= 0) {
            want = (int) Math.min(want, expectedSize + 1 - total); // one byte past the size tells "too long"
        }
        try {
            return source.readNBytes(buffer, 0, want);
        } catch (IOException e) {
            throw new UncheckedIOException("reading content of " + digest + " failed", e);
        }
    }

    private static boolean pastExpected(long total, long expectedSize) {
        return expectedSize >= 0 && total > expectedSize;
    }

    private void write(byte[] bytes, int n) {
        try {
            target.write(bytes, 0, n);
        } catch (IOException e) {
            throw new StorageException("writing " + key + " failed: " + e.getMessage(), e);
        }
    }

    /** The chunks free for the reader: a new one while fewer than {@value #CHUNKS} exist, else one released by the stages. */
    private final class Ring {
        private final BlockingQueue<Chunk> released = new ArrayBlockingQueue<>(CHUNKS);
        private int allocated;

        Chunk take() {
            Chunk chunk = released.poll();
            if (chunk != null) {
                return chunk;
            }
            if (allocated < CHUNKS) {
                allocated++;
                return new Chunk(new byte[CHUNK_BYTES], released);
            }
            try {
                return released.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UncheckedIOException(
                        "copy of " + digest + " interrupted", new InterruptedIOException("interrupted"));
            }
        }

        void put(Chunk chunk) {
            released.add(chunk);
        }
    }

    /**
     * Takes chunks in order until the end marker, handing each to {@code step} and releasing it.
     * After the first failure of either stage it only releases them (the reader stops at its next
     * chunk and must not wait for a free one forever).
     */
    private static void drain(BlockingQueue<Chunk> queue, AtomicReference<Throwable> failure, Consumer<Chunk> step) {
        while (true) {
            Chunk chunk;
            try {
                chunk = queue.take();
            } catch (InterruptedException e) {
                // Nobody interrupts these threads; if something does, the copy fails, but the stage
                // goes on releasing chunks until the end marker so that the reader never hangs.
                failure.compareAndSet(null, new IllegalStateException("blob copy stage interrupted", e));
                continue;
            }
            if (chunk == Chunk.END) {
                return;
            }
            try {
                if (failure.get() == null) {
                    step.accept(chunk);
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                chunk.release();
            }
        }
    }

    /** A buffer on its way through the stages; back in the free ring once every stage released it. */
    private static final class Chunk {
        static final Chunk END = new Chunk(new byte[0], null);

        final byte[] bytes;
        final BlockingQueue<Chunk> free;
        final AtomicInteger users = new AtomicInteger();
        int length; // written by the reader before the hand-off, which publishes it to the stages

        Chunk(byte[] bytes, BlockingQueue<Chunk> free) {
            this.bytes = bytes;
            this.free = free;
        }

        /** To each stage that must see it, in the order the reader filled the chunks. */
        @SafeVarargs
        final void handOff(BlockingQueue<Chunk>... queues) {
            users.set(queues.length);
            for (BlockingQueue<Chunk> queue : queues) {
                queue.add(this);
            }
        }

        void release() {
            if (users.decrementAndGet() == 0) {
                free.add(this);
            }
        }
    }
}
