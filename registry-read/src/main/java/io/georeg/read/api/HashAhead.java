package io.georeg.read.api;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;

/**
 * A whole filesystem blob sent while another thread reads and hashes it one or two chunks ahead:
 * the pipeline of {@link BlobBody}'s large downloads when a {@link HashThreads} thread is free.
 * On one thread, hashing (SHA-256 runs at about 1.7 GB/s on a core of the machine the benchmarks
 * run on) and the write to the socket take turns; here they run on two cores at once.
 *
 * <p>The guarantee of {@link ServedBytesCheck} is kept as it is on the request thread: the sending
 * thread writes exactly the buffers the hashing thread filled and hashed, in their order, and the
 * hashing thread hands over the buffer that ends the blob only after the digest matched — a
 * mismatch (or a file that ends early) is handed over instead, so the sender aborts the response
 * with the last bytes unsent. The bytes on the wire are the bytes hashed; nothing reads the file
 * twice.
 *
 * <p>Who owns what: buffers move between the two threads through two queues; the hashing thread
 * never blocks except to take a free buffer, so {@link #stop} (always called by the sender, on
 * success or failure) frees every buffer the sender holds or has not taken, tells the hashing
 * thread to end and waits for it, after which the caller may pool the buffers and close the file.
 */
final class HashAhead implements Runnable {
    /** What the hashing thread hands over: a hashed chunk, the end, or why it stopped. */
    private record Hashed(ByteBuffer bytes, Throwable failure) {
        static final Hashed END = new Hashed(null, null);
    }

    private final FileChannel file;
    private long position;
    private final long end;
    private final ServedBytesCheck check;
    private final BlockingQueue<ByteBuffer> free;
    private final BlockingQueue<Hashed> hashed;
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean stopped;

    private HashAhead(FileChannel file, long position, long end, ServedBytesCheck check, List<ByteBuffer> buffers) {
        this.file = file;
        this.position = position;
        this.end = end;
        this.check = check;
        this.free = new ArrayBlockingQueue<>(buffers.size(), false, buffers);
        // every buffer plus the end or a failure: the hashing thread never waits to hand over
        this.hashed = new ArrayBlockingQueue<>(buffers.size() + 1);
    }

    /**
     * Starts hashing bytes {@code [position, end)} of {@code file} ahead on one of {@code threads};
     * null when none is free. The caller then calls {@link #sendTo} and, in any case, {@link #stop}.
     *
     * @param buffers at least two, all of the same capacity, each a chunk in flight
     */
    static HashAhead tryStart(
            HashThreads threads,
            FileChannel file,
            long position,
            long end,
            ServedBytesCheck check,
            List<ByteBuffer> buffers) {
        if (buffers.size() < 2) {
            throw new IllegalArgumentException("hashing ahead needs two buffers or more");
        }
        HashAhead ahead = new HashAhead(file, position, end, check, buffers);
        return threads.tryRun(ahead) ? ahead : null;
    }

    /** The hashing thread: fills, hashes and hands over chunk after chunk, the last one only when the digest matched. */
    @Override
    public void run() {
        try {
            while (position < end && !stopped) {
                ByteBuffer buffer = free.take();
                if (stopped) {
                    break;
                }
                buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
                int n = file.read(buffer, position);
                if (n < 0) {
                    check.atEnd();
                    throw new IOException("blob file ended " + (end - position) + " bytes early");
                }
                position += n;
                buffer.flip();
                if (check.update(buffer)) {
                    check.beforeLastChunk();
                }
                hashed.add(new Hashed(buffer, null));
            }
            if (!stopped) {
                check.atEnd();
                hashed.add(Hashed.END);
            }
        } catch (Throwable t) {
            hashed.add(new Hashed(null, t));
        } finally {
            ended.countDown();
        }
    }

    /**
     * The sending thread: writes each hashed chunk to {@code out} as it comes, until the end.
     *
     * @throws IOException the file's or the client's failure
     * @throws io.georeg.oci.OciException {@code BLOB_UNKNOWN} when the stored bytes are not the blob
     *     (the last chunk is not sent; the blob is quarantined already)
     */
    void sendTo(ChunkSink out) throws IOException {
        while (true) {
            Hashed next;
            try {
                next = hashed.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while the blob was being hashed ahead");
            }
            if (next.failure() != null) {
                throw rethrow(next.failure());
            }
            if (next.bytes() == null) {
                return;
            }
            try {
                out.write(next.bytes());
            } finally {
                free.add(next.bytes());
            }
        }
    }

    /** Ends the hashing thread and waits for it; its buffers are the caller's again. */
    void stop() {
        stopped = true;
        // Give back what the sender did not take, so that a hashing thread waiting for a buffer wakes.
        for (Hashed h; (h = hashed.poll()) != null; ) {
            if (h.bytes() != null) {
                free.add(h.bytes());
            }
        }
        boolean interrupted = false;
        while (true) {
            try {
                ended.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static IOException rethrow(Throwable failure) {
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure instanceof IOException io) {
            return io;
        }
        return new IOException("hashing the blob ahead failed", failure);
    }

    /** Where the hashed chunks go: Jetty's output of the response, a blocking write of the whole buffer. */
    @FunctionalInterface
    interface ChunkSink {
        void write(ByteBuffer chunk) throws IOException;
    }
}
