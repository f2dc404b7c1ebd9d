package io.georeg.read.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mapped windows of {@link MappedFileSender} send exactly the requested bytes, in order, at
 * file positions past 2 GiB and 4 GiB (where an {@code int} position would wrap), across window
 * boundaries, and fail a range that the file no longer holds. The big files are sparse: only the
 * marked pages take disk space.
 */
class MappedFileSenderTest {
    static final long GIB = 1024L * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void rangeAcrossFourGibAndSeveralWindowsIsSentByteForByte() throws IOException {
        long size = 4 * GIB + 24L * 1024 * 1024;
        long from = 4 * GIB - MappedFileSender.WINDOW_BYTES - 12_345;
        long to = 4 * GIB + MappedFileSender.WINDOW_BYTES + 777;
        try (FileChannel file = sparseFileWithMarks(size, from, 2 * GIB, 4 * GIB - 1, 4 * GIB, to - 1)) {
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            MappedFileSender.send(file, from, to, slice -> sent.write(bytes(slice)), null);

            assertThat(sent.size()).isEqualTo(to - from);
            assertThat(sent.toByteArray()).isEqualTo(read(file, from, (int) (to - from)));
            assertThat(sent.toByteArray()[(int) (4 * GIB - from)]).isEqualTo(mark(4 * GIB));
        }
    }

    @Test
    void rangeStartingPastTwoGibIsSentFromItsOwnPosition() throws IOException {
        long size = 2 * GIB + 3L * 1024 * 1024;
        long from = 2 * GIB + 1;
        try (FileChannel file = sparseFileWithMarks(size, from, size - 1)) {
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            MappedFileSender.send(file, from, size, slice -> sent.write(bytes(slice)), null);

            byte[] got = sent.toByteArray();
            assertThat(got).hasSize((int) (size - from));
            assertThat(got[0]).isEqualTo(mark(from));
            assertThat(got[got.length - 1]).isEqualTo(mark(size - 1));
        }
    }

    @Test
    void fileShorterThanTheRangeIsSentToItsEndAndThenFails() throws IOException {
        long size = 5L * 1024 * 1024;
        try (FileChannel file = sparseFileWithMarks(size, 0, size - 1)) {
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            assertThatThrownBy(() -> MappedFileSender.send(file, 0, size + 10, slice -> sent.write(bytes(slice)), null))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("10 bytes early");
            assertThat(sent.size()).isEqualTo(size);
        }
    }

    private FileChannel sparseFileWithMarks(long size, long... marks) throws IOException {
        Path path = dir.resolve("blob");
        FileChannel file = FileChannel.open(
                path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        for (long at : marks) {
            file.write(ByteBuffer.wrap(new byte[] {mark(at)}), at);
        }
        file.write(ByteBuffer.wrap(new byte[] {mark(size - 1)}), size - 1);
        assertThat(Files.size(path)).isEqualTo(size);
        return file;
    }

    /** A byte that differs for positions that differ in any of their 40 low bits (0 never occurs). */
    private static byte mark(long position) {
        long h = position ^ (position >>> 8) ^ (position >>> 16) ^ (position >>> 24) ^ (position >>> 32);
        return (byte) ((h & 0x7f) | 1);
    }

    private static byte[] bytes(ByteBuffer slice) {
        byte[] b = new byte[slice.remaining()];
        slice.get(b);
        return b;
    }

    private static byte[] read(FileChannel file, long from, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (file.read(b, from + b.position()) < 0) {
                return Arrays.copyOf(b.array(), b.position());
            }
        }
        return b.array();
    }
}
