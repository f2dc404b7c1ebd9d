package io.georeg.read.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;

/**
 * Sends a byte range of a blob file from memory-mapped windows of the file, for {@link BlobBody}.
 * The bytes are never copied in user space: each 1 MiB slice of a window is a view of the page
 * cache that the served-bytes check hashes where it lies and that Jetty hands to the socket, so
 * the kernel copies each page once, into the socket's buffers. {@code sendfile} would spare that
 * copy too (the kernel hands the pages to the socket), but not the hash's read of every byte,
 * which the corrupt-blob rule ({@link ServedBytesCheck}) needs before the last slice goes out,
 * and Jetty 12's endpoints have no file-region write (its own static files go out as mapped
 * buffers, {@code FileMappingHttpContentFactory}, as here); over TLS Jetty encrypts from the
 * same view.
 *
 * <p>Windows are mapped one at a time ({@link #WINDOW_BYTES}) and dropped once sent; the JVM
 * unmaps a window when the garbage collector finds it unreachable (the JDK 21 API has no other
 * way; {@code FileChannel.map} collects and retries when the mappings run out). Until then a
 * sent window's pages count in the process's resident set as file pages, which the kernel can
 * reclaim like any clean page cache. Positions are {@code long} throughout, blobs beyond 2 GiB
 * included. A file shorter than the range (damaged storage) is
 * sent up to its end and then fails: the check reports it as corrupt, an unchecked range as an
 * {@link IOException} that aborts the response.
 */
final class MappedFileSender {
    static final long WINDOW_BYTES = 16L * 1024 * 1024;
    static final int SLICE_BYTES = 1024 * 1024;

    /** Where the slices go: Jetty's output, whose blocking write returns once the slice is sent. */
    @FunctionalInterface
    interface Sink {
        void write(ByteBuffer slice) throws IOException;
    }

    private MappedFileSender() {}

    /**
     * @param from file position of the first byte to send
     * @param to file position after the last byte to send
     * @param check hashes the bytes before they are sent and compares before the last slice; null
     *     for a range
     */
    static void send(FileChannel file, long from, long to, Sink out, ServedBytesCheck check) throws IOException {
        long end = Math.min(to, file.size());
        long position = from;
        while (position < end) {
            long window = Math.min(WINDOW_BYTES, end - position);
            MappedByteBuffer mapped = file.map(MapMode.READ_ONLY, position, window);
            for (int offset = 0; offset < window; offset += SLICE_BYTES) {
                ByteBuffer slice = mapped.slice(offset, (int) Math.min(SLICE_BYTES, window - offset));
                if (check != null && check.update(slice)) {
                    check.beforeLastChunk();
                }
                out.write(slice);
            }
            position += window;
        }
        if (check != null) {
            check.atEnd();
        }
        if (position < to) {
            throw new IOException("blob file ended " + (to - position) + " bytes early");
        }
    }
}
