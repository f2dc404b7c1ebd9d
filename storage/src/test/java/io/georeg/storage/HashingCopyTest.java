package io.georeg.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link HashingCopy} on both of its paths (on the caller's thread, and overlapped on three
 * threads): every byte arrives in order with its digest, nothing past the expected size is
 * written, and a failing source or target fails the copy without leaving a helper thread behind.
 */
class HashingCopyTest {
    private static final int CHUNK = HashingCopy.CHUNK_BYTES;
    private static final int INLINE = HashingCopy.INLINE_BELOW_BYTES;
    private static final ObjectKey KEY = ObjectKey.of("docker/registry/v2/test");

    @ParameterizedTest
    @ValueSource(
            ints = {
                0,
                1,
                70_000,
                CHUNK - 1,
                CHUNK,
                CHUNK + 1,
                INLINE - 1,
                INLINE,
                INLINE + 1,
                3 * INLINE + 17,
                (HashingCopy.CHUNKS + 3) * CHUNK
            })
    void everyByteArrivesInOrderWithItsDigestWhetherTheSizeIsKnownOrNot(int size) {
        byte[] content = TestBytes.random(size, size);
        for (long expected : new long[] {size, -1}) {
            ByteArrayOutputStream target = new ByteArrayOutputStream();

            HashingCopy.Copied copied = HashingCopy.copy(
                    Digest.sha256(content), expected, trickling(new ByteArrayInputStream(content)), KEY, target);

            assertThat(copied).isEqualTo(new HashingCopy.Copied(Digest.sha256(content), size));
            assertThat(target.toByteArray()).isEqualTo(content);
        }
        assertNoHelperThreadLeft();
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, INLINE - 1, 2 * INLINE, 2 * INLINE + 5})
    void aSourceLongerThanExpectedIsReadOneBytePastItAndNothingPastItIsWritten(int expected) {
        byte[] content = TestBytes.random(expected + CHUNK, 3);
        ByteArrayOutputStream target = new ByteArrayOutputStream();

        HashingCopy.Copied copied =
                HashingCopy.copy(Digest.sha256(content), expected, new ByteArrayInputStream(content), KEY, target);

        assertThat(copied.size()).isEqualTo(expected + 1L);
        assertThat(copied.actual()).isEqualTo(Digest.sha256(Arrays.copyOf(content, expected + 1)));
        byte[] written = target.toByteArray();
        assertThat(written.length).isLessThanOrEqualTo(expected);
        assertThat(written).isEqualTo(Arrays.copyOf(content, written.length));
        assertNoHelperThreadLeft();
    }

    @Test
    void aSourceFailingAfterSeveralChunksFailsTheCopyAndEndsItsThreads() {
        byte[] content = TestBytes.random(5 * INLINE, 4);
        InputStream breaks = TestBytes.failingAfter(content, 2 * CHUNK + 100);

        assertThatThrownBy(() -> HashingCopy.copy(
                        Digest.sha256(content), content.length, breaks, KEY, new ByteArrayOutputStream()))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("reading content of");
        assertNoHelperThreadLeft();
    }

    @Test
    void aTargetFailingAfterSeveralChunksFailsTheCopyAndEndsItsThreads() {
        byte[] content = TestBytes.random((HashingCopy.CHUNKS + 4) * CHUNK, 5);
        OutputStream fullDisk = new OutputStream() {
            private long written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (written + len > 2L * CHUNK) {
                    throw new IOException("No space left on device");
                }
                written += len;
            }
        };

        assertThatThrownBy(() -> HashingCopy.copy(
                        Digest.sha256(content), content.length, new ByteArrayInputStream(content), KEY, fullDisk))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("No space left on device");
        assertNoHelperThreadLeft();
    }

    /**
     * The stages run on the process's {@link CopyStages}, not on threads started for each copy:
     * the writes of successive copies come from the same two threads at most (the hash and write
     * stages of the copy before, back in the pool), named for the copy while they run its stage.
     */
    @Test
    void successiveCopiesRunTheirStagesOnThreadsTheyShare() {
        byte[] content = TestBytes.random(2 * INLINE, 7);
        java.util.Set<Thread> writers = new java.util.HashSet<>();
        for (int i = 0; i < 6; i++) {
            OutputStream target = new OutputStream() {
                @Override
                public void write(int b) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    assertThat(Thread.currentThread().getName()).startsWith("blob-write-");
                    writers.add(Thread.currentThread());
                }
            };
            HashingCopy.copy(Digest.sha256(content), content.length, new ByteArrayInputStream(content), KEY, target);
            assertNoHelperThreadLeft();
        }
        assertThat(writers).hasSizeLessThanOrEqualTo(2);
    }

    /** A source that hands out at most 16 KiB per read, as the JDK's HTTP client body does. */
    private static InputStream trickling(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 16 * 1024));
            }
        };
    }

    private static void assertNoHelperThreadLeft() {
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(
                        t -> t.getName().startsWith("blob-hash-") || t.getName().startsWith("blob-write-"));
    }
}
