package io.georeg.read.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mapped body of {@code registryRead.verifyServedBlobs: false}: the bytes of the range in
 * slices of at most 16 MiB, the last write marked last only when the file held the whole range,
 * and every slice unmapped once its write returned (a mapping held past its write would make the
 * memory of a download depend on the garbage collector).
 */
class MappedBodyTest {
    @TempDir
    Path dir;

    record Write(ByteBuffer buffer, int bytes, boolean last) {}

    @Test
    void rangeIsSentInSlicesEachUnmappedAfterItsWrite() throws Exception {
        assertThat(MappedBody.available()).as("this JDK maps through an Arena").isTrue();
        byte[] content = new byte[(int) (2 * MappedBody.SLICE_BYTES + 12_345)];
        new Random(7).nextBytes(content);
        Path file = Files.write(dir.resolve("blob"), content);
        List<Write> writes = new ArrayList<>();
        ByteArrayOutputStream received = new ByteArrayOutputStream();

        long sent;
        try (FileChannel channel = FileChannel.open(file)) {
            sent = MappedBody.send(channel, 3, content.length - 3, (chunk, last) -> {
                writes.add(new Write(chunk, chunk.remaining(), last));
                byte[] bytes = new byte[chunk.remaining()];
                chunk.duplicate().get(bytes);
                received.writeBytes(bytes);
            });
        }

        assertThat(sent).isEqualTo(content.length - 3);
        assertThat(received.toByteArray()).isEqualTo(Arrays.copyOfRange(content, 3, content.length));
        assertThat(writes).extracting(Write::bytes).containsExactly(16 << 20, 16 << 20, 12_342);
        assertThat(writes).extracting(Write::last).containsExactly(false, false, true);
        for (Write w : writes) {
            assertThat(w.buffer().isDirect()).isTrue();
            assertThatThrownBy(() -> w.buffer().get(0))
                    .as("unmapped once written")
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void fileShorterThanTheRangeEndsWithoutALastWrite() throws Exception {
        byte[] content = new byte[100_000];
        new Random(8).nextBytes(content);
        Path file = Files.write(dir.resolve("short"), content);
        List<Boolean> lasts = new ArrayList<>();

        long sent;
        try (FileChannel channel = FileChannel.open(file)) {
            sent = MappedBody.send(channel, 0, content.length + 100, (chunk, last) -> lasts.add(last));
        }

        assertThat(sent).isEqualTo(content.length);
        assertThat(lasts).containsExactly(false);
    }
}
