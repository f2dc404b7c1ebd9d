package io.georeg.storage.fs;

import io.georeg.storage.LocalFileRange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A byte range of a file as a stream, read with positional {@link FileChannel} reads (no seek
 * state, no extra buffer). A {@link LocalFileRange}, so that a server can take the channel and
 * range for its own transfer instead of copying through the stream, and the path for the file's
 * identity.
 */
public final class FileRangeInputStream extends InputStream implements LocalFileRange {
    private static final int TRANSFER_BUFFER = 64 * 1024;

    private final FileChannel channel;
    private final Path path;
    private long position;
    private long remaining;

    FileRangeInputStream(FileChannel channel, Path path, long offset, long length) {
        this.channel = channel;
        this.path = path;
        this.position = offset;
        this.remaining = length;
    }

    @Override
    public FileChannel channel() {
        return channel;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public long remaining() throws IOException {
        return Math.max(0, Math.min(remaining, channel.size() - position));
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (remaining <= 0) {
            return -1;
        }
        int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, remaining)), position);
        if (n < 0) {
            remaining = 0;
            return -1;
        }
        position += n;
        remaining -= n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = Math.max(0, Math.min(n, remaining()));
        position += skipped;
        remaining -= skipped;
        return skipped;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(Integer.MAX_VALUE, remaining());
    }

    @Override
    public long transferTo(OutputStream out) throws IOException {
        byte[] buffer = new byte[(int) Math.min(TRANSFER_BUFFER, Math.max(1, remaining()))];
        long total = 0;
        int n;
        while ((n = read(buffer, 0, buffer.length)) > 0) {
            out.write(buffer, 0, n);
            total += n;
        }
        return total;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
