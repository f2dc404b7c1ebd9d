package io.georeg.read.api;

import io.georeg.storage.fs.FileRangeInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

/**
 * The body of a blob GET, created by {@link RegistryResource} once the blob is open (so a blob
 * storage lost is still a clean {@code BLOB_UNKNOWN}).
 *
 * <p>A large range of a file on the filesystem backend takes the single-copy path: the first
 * 64 KiB go through Jersey's stream, which commits the status and headers, and the rest goes
 * from memory-mapped windows of the file straight to Jetty's {@link HttpOutput#write(ByteBuffer)}
 * ({@link MappedFileSender}), which writes such large buffers without aggregating: the kernel
 * copies the page cache into the socket and nothing is copied in user space. Object stores,
 * small blobs and requests not served by Jetty's ee10 servlet layer are copied through a heap
 * buffer of at most {@code registryRead.blobBufferBytes}.
 *
 * <p>A whole-blob GET is hashed on the way out ({@link ServedBytesCheck}): every path hashes each
 * chunk before it sends it and compares the digest before the last one, so damaged storage ends
 * in an aborted transfer instead of a complete wrong blob.
 */
final class BlobBody implements StreamingOutput {
    /** Below this, the extra flush of the headers and the mapping cost more than the copies they save. */
    static final long MAPPED_MIN_BYTES = 256 * 1024;
    /** Larger than Jersey's outbound buffer ({@code ServerProperties.OUTBOUND_CONTENT_LENGTH_BUFFER}, 8 KiB). */
    static final int FIRST_WRITE_BYTES = 64 * 1024;

    private final InputStream in;
    private final long length;
    private final int bufferSize;
    private final HttpServletRequest request;
    private final ServedBytesCheck check;

    /** @param check hashes the whole blob as it is sent; null for a range, which cannot be checked */
    BlobBody(InputStream in, long length, int maxBufferBytes, HttpServletRequest request, ServedBytesCheck check) {
        this.in = in;
        this.length = length;
        this.bufferSize = (int) Math.max(1, Math.min(maxBufferBytes, length));
        this.request = request;
        this.check = check;
    }

    @Override
    public void write(OutputStream out) throws IOException {
        try (InputStream src = in) {
            if (!(src instanceof FileRangeInputStream file) || length < MAPPED_MIN_BYTES) {
                copy(src, out);
                return;
            }
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
                long from = file.position();
                MappedFileSender.send(file.channel(), from, from + (length - n), direct::write, check);
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
}
