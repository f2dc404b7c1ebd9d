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
 *
 * <p>A big file is flushed behind the writer: every {@value #FLUSH_BEHIND_BYTES} bytes a
 * background thread starts an {@code fdatasync} of what was written so far, so that the disk
 * writes the file while the rest of it still arrives and the commit's fsync finds little left
 * to do (at the end alone, the fsync of a 256 MiB layer took 0.2–0.4 s: docs/benchmarks.md). A background flush that fails fails the commit: after a failed fsync,
 * Linux may report the next one as a success although the data never reached the disk.
 *
 * <p>The flush is a full {@code fdatasync}, not Linux's {@code sync_file_range(SYNC_FILE_RANGE_WRITE)}
 * of the range just written: that call only hands the dirty pages to the device, and on the
 * virtual disks measured (docs/benchmarks.md, "One 256 MiB layer") the commit's time was the
 * device's cache flush that only an fsync asks for; with it every 8 MiB, the commit of a 256 MiB
 * file written at 1 GB/s still took 0.13–0.14 s (0.17–0.21 s with no flush behind, 0.01–0.07 s
 * with this one). The flush runs on a platform thread: an fsync blocks the thread that makes it,
 * which on a virtual thread would hold a carrier of the scheduler that the router's requests share.
 * At most one flush is in flight, and none outlives the write: commit and abort await it.
 */
final class FilePendingWrite extends OneShotWrite {
    private static final Logger LOG = LoggerFactory.getLogger(FilePendingWrite.class);
    static final long FLUSH_BEHIND_BYTES = 16L * 1024 * 1024;
    /** The name of a background flush's thread: this, then the key. */
    static final String FLUSHER_NAME = "flush-behind-";

    private final FileChannel channel;
    private final Path temp;
    private final Path target;
    private final OutputStream stream;
    private long unflushed; // bytes written since the last background flush began
    private Thread flusher; // the latest background flush: started by the writing thread, awaited at commit or abort
    private volatile IOException flushFailure;

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
        awaitEnd(flusher); // the commit's fsync and the close come after the background flush
        if (flushFailure != null) {
            throw flushFailure;
        }
        channel.force(true);
        channel.close();
        Path dir = target.getParent();
        FilesystemObjectStore.ensureDirectory(dir);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(dir);
    }

    @Override
    protected void discard() {
        try {
            awaitEnd(flusher);
            channel.close();
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // The temporary file is invisible to readers; a leftover only costs disk space.
            LOG.warn("could not remove temporary file {} of aborted write to {}", temp, key(), e);
        }
    }

    /** Starts a background fdatasync once enough was written since the last one and none is running. */
    private void flushBehind(int written) {
        unflushed += written;
        if (unflushed < FLUSH_BEHIND_BYTES || (flusher != null && flusher.isAlive())) {
            return;
        }
        unflushed = 0;
        flusher = Thread.ofPlatform().name(FLUSHER_NAME + key()).daemon().start(() -> {
            try {
                channel.force(false);
            } catch (IOException e) {
                flushFailure = e;
            }
        });
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
            flushBehind(len);
        }
    }
}
