package io.georeg.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link ObjectStore} backend meets, in the spirit of distribution's storage
 * driver test suite. A backend's test runs it by extending this class (as a nested class) and
 * opening a fresh, empty store per test.
 */
public abstract class ObjectStoreConformance {
    /** Bigger than the multipart part size the backends' tests configure (5 MiB). */
    protected static final int LARGE = 12 * 1024 * 1024 + 17;

    protected ObjectStore store;

    /** A new, empty store; closed after each test. */
    protected abstract ObjectStore openStore() throws Exception;

    /** Every object name the backend holds, including temporary or uncommitted areas it can list. */
    protected abstract List<String> everythingStored() throws Exception;

    @BeforeEach
    void openIt() throws Exception {
        store = openStore();
    }

    @AfterEach
    void closeIt() {
        store.close();
    }

    @Test
    void aWorkingStoreAnswersItsHealthProbe() {
        store.probe();
        store.writeSmall(ObjectKey.of("conf/probe/link"), bytes("x"));
        store.probe();
    }

    @Test
    void writeSmallThenReadReturnsTheSameBytes() throws IOException {
        ObjectKey key = ObjectKey.of("conf/a/link");
        store.writeSmall(key, bytes("sha256:abc"));

        assertThat(readAll(key)).isEqualTo(bytes("sha256:abc"));
        assertThat(store.size(key)).contains(10L);
    }

    @Test
    void writeSmallOverwritesAtomically() throws IOException {
        ObjectKey key = ObjectKey.of("conf/tag/current/link");
        store.writeSmall(key, bytes("first version"));
        store.writeSmall(key, bytes("second"));

        assertThat(readAll(key)).isEqualTo(bytes("second"));
        assertThat(store.list(ObjectKey.of("conf"))).containsExactly(key);
    }

    @Test
    void emptyObjectIsStoredAndRead() throws IOException {
        ObjectKey key = ObjectKey.of("conf/empty");
        store.writeSmall(key, new byte[0]);

        assertThat(store.size(key)).contains(0L);
        assertThat(readAll(key)).isEmpty();
    }

    @Test
    void sizeOfMissingObjectIsEmpty() {
        assertThat(store.size(ObjectKey.of("conf/missing"))).isEmpty();
    }

    @Test
    void readOfMissingObjectThrowsObjectNotFound() {
        ObjectKey key = ObjectKey.of("conf/missing");
        assertThatThrownBy(() -> store.read(key, 0, -1)).isInstanceOf(ObjectNotFoundException.class);
        assertThatThrownBy(() -> store.read(key, 5, 10)).isInstanceOf(ObjectNotFoundException.class);
    }

    @Test
    void rangedReadsReturnExactlyTheRange() throws IOException {
        ObjectKey key = ObjectKey.of("conf/ranged");
        byte[] content = TestBytes.random(100_000, 1);
        store.writeSmall(key, content);

        assertThat(read(key, 0, 10)).isEqualTo(Arrays.copyOfRange(content, 0, 10));
        assertThat(read(key, 40_000, 1234)).isEqualTo(Arrays.copyOfRange(content, 40_000, 41_234));
        assertThat(read(key, 99_990, 10)).isEqualTo(Arrays.copyOfRange(content, 99_990, 100_000));
        assertThat(read(key, 99_990, -1)).isEqualTo(Arrays.copyOfRange(content, 99_990, 100_000));
        assertThat(read(key, 0, -1)).isEqualTo(content);
        assertThat(read(key, 99_999, 50))
                .as("a range past the end stops at the end")
                .hasSize(1);
        assertThat(read(key, 100_000, -1))
                .as("a range starting at the end is empty")
                .isEmpty();
        assertThat(read(key, 10, 0)).isEmpty();
    }

    @Test
    void streamedWriteIsInvisibleUntilCommit() throws IOException {
        ObjectKey key = ObjectKey.of("conf/streamed");
        byte[] content = TestBytes.random(300_000, 2);
        try (ObjectStore.PendingWrite write = store.beginWrite(key)) {
            write.stream().write(content);

            assertThat(store.size(key)).isEmpty();
            assertThat(store.list(ObjectKey.of("conf"))).isEmpty();

            write.commit();
        }
        assertThat(readAll(key)).isEqualTo(content);
    }

    @Test
    void streamedWriteReplacesAnExistingObject() throws IOException {
        ObjectKey key = ObjectKey.of("conf/replaced");
        store.writeSmall(key, bytes("old"));
        try (ObjectStore.PendingWrite write = store.beginWrite(key)) {
            write.stream().write(bytes("new content"));
            assertThat(readAll(key)).isEqualTo(bytes("old"));
            write.commit();
        }
        assertThat(readAll(key)).isEqualTo(bytes("new content"));
    }

    @Test
    void abortOfSmallWriteLeavesNothing() throws Exception {
        ObjectKey key = ObjectKey.of("conf/aborted");
        try (ObjectStore.PendingWrite write = store.beginWrite(key)) {
            write.stream().write(bytes("partial"));
            write.abort();
            write.abort(); // idempotent
        }
        assertThat(store.size(key)).isEmpty();
        assertThat(everythingStored()).isEmpty();
    }

    @Test
    void abortOfLargeWriteSpanningPartsLeavesNothing() throws Exception {
        ObjectKey key = ObjectKey.of("conf/aborted-large");
        try (ObjectStore.PendingWrite write = store.beginWrite(key)) {
            write.stream().write(TestBytes.random(LARGE, 3));
            write.abort();
        }
        assertThat(store.size(key)).isEmpty();
        assertThat(everythingStored()).isEmpty();
    }

    @Test
    void closeWithoutCommitAborts() throws Exception {
        ObjectKey key = ObjectKey.of("conf/closed");
        try (ObjectStore.PendingWrite write = store.beginWrite(key)) {
            write.stream().write(bytes("never committed"));
        }
        assertThat(store.size(key)).isEmpty();
        assertThat(everythingStored()).isEmpty();
    }

    @Test
    void largeStreamedWriteRoundTrips() throws IOException {
        ObjectKey key = ObjectKey.of("conf/large");
        byte[] content = TestBytes.random(LARGE, 4);
        try (ObjectStore.PendingWrite write = store.beginWrite(key)) {
            for (int off = 0; off < content.length; off += 100_000) {
                write.stream().write(content, off, Math.min(100_000, content.length - off));
            }
            write.commit();
        }
        assertThat(store.size(key)).contains((long) LARGE);
        assertThat(readAll(key)).isEqualTo(content);
        assertThat(read(key, 5 * 1024 * 1024 - 3, 7))
                .isEqualTo(Arrays.copyOfRange(content, 5 * 1024 * 1024 - 3, 5 * 1024 * 1024 + 4));
    }

    @Test
    void readsClosedEarlyReleaseTheirConnection() throws IOException {
        ObjectKey key = ObjectKey.of("conf/closed-early");
        byte[] content = TestBytes.random(LARGE, 5);
        store.writeSmall(key, content);

        // More early closes than the S3 client has pooled connections (64): a leak would hang here.
        for (int i = 0; i < 80; i++) {
            try (InputStream in = store.read(key, i, -1)) {
                assertThat(in.readNBytes(10)).isEqualTo(Arrays.copyOfRange(content, i, i + 10));
            }
        }
    }

    @Test
    void deleteRemovesTheObjectAndAbsentIsFine() {
        ObjectKey key = ObjectKey.of("conf/deleted");
        store.writeSmall(key, bytes("x"));

        store.delete(key);
        store.delete(key);

        assertThat(store.size(key)).isEmpty();
        assertThatThrownBy(() -> store.read(key, 0, -1)).isInstanceOf(ObjectNotFoundException.class);
    }

    @Test
    void listReturnsKeysBelowThePrefixInLexicalOrder() {
        // "a/bc" and "a/b0" share the prefix's characters but are not below "a/b".
        for (String k : List.of("a/b/z", "a/b/c/d", "a/b/c/a", "a/bc/x", "a/b0", "b/b/x")) {
            store.writeSmall(ObjectKey.of(k), bytes(k));
        }

        assertThat(store.list(ObjectKey.of("a/b")))
                .containsExactly(ObjectKey.of("a/b/c/a"), ObjectKey.of("a/b/c/d"), ObjectKey.of("a/b/z"));
        assertThat(store.list(ObjectKey.of("a/missing"))).isEmpty();
    }

    /**
     * Leaves behind what a copy killed in the middle of a streamed write to {@code key} leaves on
     * this backend. By default: a write begun, fed more than one part, and never committed,
     * aborted or closed (as after kill -9). Returns the abandoned write, if any, to be released
     * once the test is done with it.
     */
    protected Optional<ObjectStore.PendingWrite> leaveWriteOfKilledCopy(ObjectKey key) throws Exception {
        ObjectStore.PendingWrite write = store.beginWrite(key);
        write.stream().write(TestBytes.random(LARGE, 9));
        return Optional.of(write);
    }

    @Test
    void leftoversOfAKilledCopyAreRemovedAndNothingElse() throws Exception {
        ObjectKey kept = ObjectKey.of("conf/kept");
        store.writeSmall(kept, bytes("kept"));
        List<String> before = everythingStored();
        Optional<ObjectStore.PendingWrite> killed = leaveWriteOfKilledCopy(ObjectKey.of("conf/killed"));
        try {
            assertThat(everythingStored())
                    .as("the killed copy left something behind")
                    .hasSizeGreaterThan(before.size());

            assertThat(store.removeAbandonedWrites(Instant.now().plusSeconds(60)))
                    .isEqualTo(1);

            assertThat(everythingStored()).containsExactlyInAnyOrderElementsOf(before);
            assertThat(readAll(kept)).isEqualTo(bytes("kept"));
            assertThat(store.size(ObjectKey.of("conf/killed"))).isEmpty();
            assertThat(store.removeAbandonedWrites(Instant.now().plusSeconds(60)))
                    .isZero();
        } finally {
            killed.ifPresent(ObjectStore.PendingWrite::close);
        }
    }

    @Test
    void writeBegunAfterTheCutoffIsLeftToFinish() throws Exception {
        ObjectKey key = ObjectKey.of("conf/in-progress");
        byte[] content = TestBytes.random(LARGE, 10);
        try (ObjectStore.PendingWrite write = store.beginWrite(key)) {
            write.stream().write(content, 0, LARGE / 2);

            assertThat(store.removeAbandonedWrites(Instant.now().minus(Duration.ofHours(1))))
                    .isZero();

            write.stream().write(content, LARGE / 2, LARGE - LARGE / 2);
            write.commit();
        }
        assertThat(readAll(key)).isEqualTo(content);
    }

    protected byte[] readAll(ObjectKey key) throws IOException {
        return read(key, 0, -1);
    }

    protected byte[] read(ObjectKey key, long offset, long length) throws IOException {
        try (InputStream in = store.read(key, offset, length)) {
            return in.readAllBytes();
        }
    }

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
