package io.georeg.read.api;

import io.georeg.storage.fs.FileRangeInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

/**
 * The body of a blob GET, created by {@link RegistryResource} once the blob is open (so a blob
 * storage lost is still a clean {@code BLOB_UNKNOWN}).
 *
 * <p>A large range of a file on the filesystem backend takes the short path: file → direct
 * buffer → socket (positional {@link FileChannel} reads into a pooled 1 MiB direct buffer handed
 * to Jetty's {@link HttpOutput#write(ByteBuffer)}, which writes it without aggregating), instead
 * of file → heap array → Jetty's buffer → socket: on this path a 256 MiB stream costs about a
 * third less CPU than with 64 KiB chunks. At most {@link #MAX_DIRECT_BUFFERS} such buffers exist
 * (direct memory is bounded by {@code -XX:MaxDirectMemorySize}, by default the heap size);
 * downloads beyond that, object stores and small blobs are copied through a heap buffer of at
 * most {@code registryRead.blobBufferBytes}. Jersey still commits the status and headers: the
 * first 64 KiB go through its stream.
 *
 * <p>A whole-blob GET is hashed on the way out ({@link ServedBytesCheck}): every path hashes each
 * chunk before it sends it and compares the digest before the last one, so damaged storage ends
 * in an aborted transfer instead of a complete wrong blob. On the direct path a whole blob of
 * {@link #HASH_AHEAD_MIN_BYTES} or more is read and hashed by another thread, up to two chunks
 * ahead of the one being sent ({@link HashAhead}), when one of the {@link HashThreads} is free
 * and the pool has buffers for it; otherwise the request thread hashes each chunk before it
 * sends it. The sent bytes are the hashed bytes either way.
 *
 * <p>There is no {@code sendfile} here: Jetty 12 writes only buffers, and bytes the kernel sent
 * from the file would be bytes this process never hashed.
 */
final class BlobBody implements StreamingOutput {
    /** Below this, the extra flush of the headers costs more than the copies it saves. */
    static final long DIRECT_MIN_BYTES = 256 * 1024;
    /** Larger than Jersey's outbound buffer ({@code ServerProperties.OUTBOUND_CONTENT_LENGTH_BUFFER}, 8 KiB). */
    static final int FIRST_WRITE_BYTES = 64 * 1024;

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
    private final HttpServletRequest request;
    private final ServedBytesCheck check;
    private final HashThreads hashThreads;

    /**
     * @param check hashes the whole blob as it is sent; null for a range, which cannot be checked
     * @param hashThreads where a large blob may be hashed ahead of its sending
     */
    BlobBody(
            InputStream in,
            long length,
            int maxBufferBytes,
            HttpServletRequest request,
            ServedBytesCheck check,
            HashThreads hashThreads) {
        this.in = in;
        this.length = length;
        this.bufferSize = (int) Math.max(1, Math.min(maxBufferBytes, length));
        this.request = request;
        this.check = check;
        this.hashThreads = hashThreads;
    }

    @Override
    public void write(OutputStream out) throws IOException {
        try (InputStream src = in) {
            ByteBuffer buffer = src instanceof FileRangeInputStream && length >= DIRECT_MIN_BYTES ? acquire() : null;
            if (buffer == null) {
                copy(src, out);
                return;
            }
            try {
                // Jersey sets the status and headers when its stream commits: on a write past its
                // own small buffer, not on a flush before that. So the first bytes go through it.
                byte[] first = new byte[FIRST_WRITE_BYTES];
                int n = src.readNBytes(first, 0, first.length);
                if (check != null && check.update(first, 0, n)) {
                    check.beforeLastChunk();
                }
                out.write(first, 0, n);
                out.flush();
                HttpOutput direct = committedHttpOutput();
                if (direct == null) {
                    copy(src, out);
                } else {
                    sendFile((FileRangeInputStream) src, direct, buffer);
                }
            } finally {
                POOL.offer(buffer);
            }
        }
    }

    private void copy(InputStream src, OutputStream out) throws IOException {
        byte[] buffer = new byte[bufferSize];
        int n;
        while ((n = src.read(buffer)) >= 0) {
            if (check != null && check.update(buffer, 0, n)) {
                check.beforeLastChunk();
            }
            out.write(buffer, 0, n);
        }
        if (check != null) {
            check.atEnd();
        }
    }

    private void sendFile(FileRangeInputStream file, HttpOutput out, ByteBuffer buffer) throws IOException {
        FileChannel channel = file.channel();
        long position = file.position();
        long end = position + file.remaining();
        if (check != null
                && end - position >= HASH_AHEAD_MIN_BYTES
                && sentHashingAhead(channel, position, end, out, buffer)) {
            return;
        }
        while (position < end) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
            int n = channel.read(buffer, position);
            if (n < 0) {
                if (check != null) {
                    check.atEnd();
                }
                throw new IOException("blob file ended " + (end - position) + " bytes early");
            }
            position += n;
            buffer.flip();
            if (check != null && check.update(buffer)) {
                check.beforeLastChunk();
            }
            out.write(buffer);
        }
        if (check != null) {
            check.atEnd();
        }
    }

    /**
     * Sends {@code [position, end)} while a {@link HashThreads} thread hashes it ahead; false (nothing
     * sent) when no thread or no second buffer is free.
     */
    private boolean sentHashingAhead(FileChannel channel, long position, long end, HttpOutput out, ByteBuffer buffer)
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
                ahead.sendTo(out::write);
            } finally {
                ahead.stop();
            }
            return true;
        } finally {
            // the first is the caller's to pool
            buffers.subList(1, buffers.size()).forEach(POOL::offer);
        }
    }

    /**
     * Jetty's output of this response when Jersey has committed it (status and headers are sent),
     * or null when it has not or the request is not served by Jetty's ee10 servlet layer (then the
     * heap copy is used).
     */
    private HttpOutput committedHttpOutput() throws IOException {
        ServletContextRequest scr = ServletContextRequest.getServletContextRequest(request);
        if (scr == null || !scr.getHttpServletResponse().isCommitted()) {
            return null;
        }
        ServletOutputStream os = scr.getHttpServletResponse().getOutputStream();
        return os instanceof HttpOutput h ? h : null;
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
