package io.georeg.storage.fs;

import io.georeg.storage.ObjectKey;
import io.georeg.storage.OneShotWrite;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A streamed write to a temporary file, committed by fsync + atomic rename + fsync of the target
 * directory, so that after a crash the final name holds either nothing or every byte.
 */
final class FilePendingWrite extends OneShotWrite {
    private static final Logger LOG = LoggerFactory.getLogger(FilePendingWrite.class);

    private final FileChannel channel;
    private final Path temp;
    private final Path target;
    private final OutputStream stream;

    FilePendingWrite(FileChannel channel, Path temp, Path target, ObjectKey key) {
        super(key);
        this.channel = channel;
        this.temp = temp;
        this.target = target;
        this.stream = new ChannelOutput();
    }

    @Override
    public OutputStream stream() {
        return stream;
    }

    @Override
    protected void publish() throws IOException {
        channel.force(true);
        channel.close();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(dir);
    }

    @Override
    protected void discard() {
        try {
            channel.close();
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // The temporary file is invisible to readers; a leftover only costs disk space.
            LOG.warn("could not remove temporary file {} of aborted write to {}", temp, key(), e);
        }
    }

    private static void syncDirectory(Path dir) throws IOException {
        // Makes the rename durable (POSIX); harmless where directories cannot be opened for sync.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** Writes straight to the channel; closing it does not commit (only commit() does). */
    private final class ChannelOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ensureWritable();
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }
}
