package io.georeg.read.api;

import io.georeg.storage.LocalFileRange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The body of a blob GET, sent by {@link BlobEndpoint} once the blob is open (so a blob storage
 * lost is still a clean {@code BLOB_UNKNOWN}) to a {@link Sink}: Jetty's response, whose status
 * and headers go out with the first chunk.
 *
 * <p>A file on the filesystem backend (a {@link LocalFileRange}) takes the short path: file → direct buffer → socket
 * (positional {@link FileChannel} reads into a pooled 1 MiB direct buffer handed to Jetty, which
 * writes it without aggregating; a blob of one chunk goes out with its headers in one gathering
 * write), instead of file → heap array → socket. At most {@link #MAX_DIRECT_BUFFERS} such buffers
 * exist (direct memory is bounded by {@code -XX:MaxDirectMemorySize}, by default the heap size);
 * downloads beyond that and object stores are copied through a heap buffer of at most
 * {@code registryRead.blobBufferBytes}.
 *
 * <p>A whole-blob GET is hashed on the way out ({@link ServedBytesCheck}): every path hashes each
 * chunk before it sends it and compares the digest before the last one, so damaged storage ends
 * in an aborted transfer instead of a complete wrong blob — or, for a blob of one chunk, in an
 * error before anything was sent. On the direct path a whole blob of {@link #HASH_AHEAD_MIN_BYTES}
 * or more is read and hashed by another thread, up to two chunks ahead of the one being sent
 * ({@link HashAhead}), when one of the {@link HashThreads} is free and the pool has buffers for it;
 * otherwise the request thread hashes each chunk before it sends it. The sent bytes are the hashed
 * bytes either way.
 *
 * <p>Without a check ({@code registryRead.verifyServedBlobs: never}, or {@code once} for a file
 * verified before) the same paths send the bytes unhashed (the direct one as for a range). There is no {@code sendfile} here: it would go
 * around Jetty's HTTP/1.1 generator, which counts body bytes against {@code Content-Length} and
 * closes the connection when the count is short, and bytes the kernel sent from the file
 * would be bytes this process never hashed. A memory mapping of the file written
 * to the socket was measured and dropped: slower than this path (docs/benchmarks.md).
 */
final class BlobBody {
    static final int DIRECT_BUFFER_BYTES = 1024 * 1024;
    static final int MAX_DIRECT_BUFFERS = 32;
    /** Below this (four chunks) the hand-off between two threads gains less than it costs. */
    static final long HASH_AHEAD_MIN_BYTES = 4L * DIRECT_BUFFER_BYTES;
    /** Chunks in flight while hashing ahead: one being sent, up to two hashed or being hashed. */
    static final int HASH_AHEAD_BUFFERS = 3;
    /** Every direct buffer ever made, while not in use: at most {@link #MAX_DIRECT_BUFFERS} in all. */
    private static final ArrayBlockingQueue<ByteBuffer> POOL = new ArrayBlockingQueue<>(MAX_DIRECT_BUFFERS);

    private static final AtomicInteger DIRECT_BUFFERS = new AtomicInteger();

    private final InputStream in;
    private final long length;
    private final int bufferSize;
    private final ServedBytesCheck check;
    private final HashThreads hashThreads;
    private final LastChunkGuard guard;

    /**
     * Run before the last chunk of a blob sent unhashed goes out, after its bytes were read: throws
     * to break the transfer off ({@code once}: the file changed while it was sent).
     */
    @FunctionalInterface
    interface LastChunkGuard {
        void beforeLastChunk() throws IOException;
    }

    /** Where the chunks go, in order; a blocking write of the whole chunk, the last one marked. */
    @FunctionalInterface
    interface Sink {
        void write(ByteBuffer chunk, boolean last) throws IOException;
    }

    /**
     * @param check hashes the whole blob as it is sent; null for a range, which cannot be checked,
     *     and for a file {@code registryRead.verifyServedBlobs} exempts
     * @param hashThreads where a large blob may be hashed ahead of its sending
     * @param guard run before the last chunk goes out (a blob sent unhashed); null for none
     */
    BlobBody(
            InputStream in,
            long length,
            int maxBufferBytes,
            ServedBytesCheck check,
            HashThreads hashThreads,
            LastChunkGuard guard) {
        this.guard = guard;
        this.in = in;
        this.length = length;
        this.bufferSize = (int) Math.max(1, Math.min(maxBufferBytes, length));
        this.check = check;
        this.hashThreads = hashThreads;
    }

    /** Sends the body to {@code out}, the last write marked last, and closes the blob. */
    void sendTo(Sink out) throws IOException {
        try (InputStream src = in) {
            ByteBuffer buffer = src instanceof LocalFileRange && length > 0 ? acquire() : null;
            if (buffer == null) {
                copy(src, out);
                return;
            }
            try {
                sendFile((LocalFileRange) src, out, buffer);
            } finally {
                POOL.offer(buffer);
            }
        }
    }

    private void copy(InputStream src, Sink out) throws IOException {
        byte[] buffer = new byte[bufferSize];
        long sent = 0;
        int n;
        while (sent < length && (n = src.read(buffer, 0, (int) Math.min(buffer.length, length - sent))) >= 0) {
            sent += n;
            if (check != null && check.update(buffer, 0, n)) {
                check.beforeLastChunk();
            }
            if (sent == length && guard != null) {
                guard.beforeLastChunk();
            }
            out.write(ByteBuffer.wrap(buffer, 0, n), sent == length);
        }
        ended(sent, out);
    }

    private void sendFile(LocalFileRange file, Sink out, ByteBuffer buffer) throws IOException {
        FileChannel channel = file.channel();
        long start = file.position();
        long position = start;
        long end = position + file.remaining();
        if (check != null
                && end - position >= HASH_AHEAD_MIN_BYTES
                && sentHashingAhead(channel, position, end, out, buffer)) {
            out.write(ByteBuffer.allocate(0), true);
            return;
        }
        while (position < end) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
            int n = channel.read(buffer, position);
            if (n < 0) {
                break;
            }
            position += n;
            buffer.flip();
            if (check != null && check.update(buffer)) {
                check.beforeLastChunk();
            }
            boolean last = position == end && end - start == length;
            if (last && guard != null) {
                guard.beforeLastChunk();
            }
            out.write(buffer, last);
        }
        ended(position - start, out);
    }

    /** After the last chunk: the check of a whole blob that ended early, or the end of a short range. */
    private void ended(long sent, Sink out) throws IOException {
        if (check != null) {
            check.atEnd();
        }
        if (sent < length) {
            throw new IOException("blob file ended " + (length - sent) + " bytes early");
        }
        if (length == 0) {
            out.write(ByteBuffer.allocate(0), true);
        }
    }

    /**
     * Sends {@code [position, end)} while a {@link HashThreads} thread hashes it ahead; false (nothing
     * sent) when no thread or no second buffer is free.
     */
    private boolean sentHashingAhead(FileChannel channel, long position, long end, Sink out, ByteBuffer buffer)
            throws IOException {
        List<ByteBuffer> buffers = new ArrayList<>(HASH_AHEAD_BUFFERS);
        buffers.add(buffer);
        try {
            for (ByteBuffer more; buffers.size() < HASH_AHEAD_BUFFERS && (more = acquire()) != null; ) {
                buffers.add(more);
            }
            if (buffers.size() < 2) {
                return false;
            }
            HashAhead ahead = HashAhead.tryStart(hashThreads, channel, position, end, check, buffers);
            if (ahead == null) {
                return false;
            }
            try {
                ahead.sendTo(chunk -> out.write(chunk, false));
            } finally {
                ahead.stop();
            }
            return true;
        } finally {
            // the first is the caller's to pool
            buffers.subList(1, buffers.size()).forEach(POOL::offer);
        }
    }

    /** A pooled direct buffer, a new one while fewer than the maximum exist, else null (copy instead). */
    private static ByteBuffer acquire() {
        ByteBuffer b = POOL.poll();
        if (b != null) {
            return b;
        }
        int made = DIRECT_BUFFERS.get();
        while (made < MAX_DIRECT_BUFFERS) {
            if (DIRECT_BUFFERS.compareAndSet(made, made + 1)) {
                return ByteBuffer.allocateDirect(DIRECT_BUFFER_BYTES);
            }
            made = DIRECT_BUFFERS.get();
        }
        return null;
    }
}
