package io.georeg.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.oci.Digest;
import io.georeg.storage.BlobStore;
import io.georeg.storage.BlobStoreConformance;
import io.georeg.storage.BlobStores;
import io.georeg.storage.DigestMismatchException;
import io.georeg.storage.DistributionLayout;
import io.georeg.storage.ObjectKey;
import io.georeg.storage.ObjectStore;
import io.georeg.storage.ObjectStoreConformance;
import io.georeg.storage.StorageConfig;
import io.georeg.storage.StorageException;
import io.georeg.storage.TestBytes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conformance suite against the filesystem backend in a temporary directory. */
class FilesystemStorageTest {
    @TempDir
    Path root;

    /** Every regular file below the root, the temporary upload area included. */
    List<String> everythingStored() throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString())
                    .sorted()
                    .toList();
        }
    }

    /** The directories of a key are made as far down as missing, kept when there, refused when a file is in the way. */
    @Test
    void aWriteMakesTheMissingDirectoriesOfItsKeyAndNeverReplacesAFileInTheirWay() throws IOException {
        ObjectStore store = BlobStores.openObjects(new StorageConfig.Filesystem(root));
        store.writeSmall(ObjectKey.of("a/b/c/one"), new byte[] {1});
        store.writeSmall(ObjectKey.of("a/b/c/two"), new byte[] {2});
        store.writeSmall(ObjectKey.of("a/b/d/e/three"), new byte[] {3});
        assertThat(store.size(ObjectKey.of("a/b/c/one"))).contains(1L);
        assertThat(store.size(ObjectKey.of("a/b/c/two"))).contains(1L);
        assertThat(store.size(ObjectKey.of("a/b/d/e/three"))).contains(1L);
        assertThat(store.size(ObjectKey.of("a/b/d/e/none"))).isEmpty();
        assertThat(store.size(ObjectKey.of("a/b/d"))).isEmpty(); // a directory is no object

        assertThatThrownBy(() -> store.writeSmall(ObjectKey.of("a/b/c/one/four"), new byte[] {4}))
                .isInstanceOf(StorageException.class);
        assertThat(Files.readAllBytes(root.resolve("a/b/c/one"))).containsExactly(1);
    }

    /** A volume gone bad (here: the root is no directory any more) fails the probe, though a stat only says "absent". */
    @Test
    void aRootThatCannotBeListedFailsTheHealthProbe() throws IOException {
        Path storage = root.resolve("storage");
        ObjectStore store = BlobStores.openObjects(new StorageConfig.Filesystem(storage));
        store.probe();
        Files.delete(storage);
        Files.writeString(storage, "not a directory");

        assertThatThrownBy(store::probe).isInstanceOf(StorageException.class).hasMessageContaining("storage root");
        assertThat(store.size(ObjectKey.of("docker/registry/v2/any"))).isEmpty();
    }

    /** Long enough for several background flushes while it is written, and one still running at the commit. */
    @Test
    void aFileFlushedBehindItsWriterIsCommittedWhole() throws Exception {
        ObjectStore store = BlobStores.openObjects(new StorageConfig.Filesystem(root));
        byte[] chunk = new byte[1024 * 1024];
        MessageDigest written = MessageDigest.getInstance("SHA-256");
        ObjectKey key = ObjectKey.of("docker/registry/v2/big");
        try (ObjectStore.PendingWrite write = store.beginWrite(key)) {
            for (int i = 0; i < 3 * FilePendingWrite.FLUSH_BEHIND_BYTES / chunk.length + 7; i++) {
                Arrays.fill(chunk, (byte) i);
                write.stream().write(chunk);
                written.update(chunk);
            }
            write.commit();
        }

        MessageDigest read = MessageDigest.getInstance("SHA-256");
        try (InputStream in = store.read(key, 0, -1)) {
            for (int n; (n = in.read(chunk)) > 0; ) {
                read.update(chunk, 0, n);
            }
        }
        assertThat(read.digest()).isEqualTo(written.digest());
        assertThat(everythingStored()).containsExactly("docker/registry/v2/big");
    }

    /** A blob of several flush-behind steps, put as the replicator puts a layer (read, hash and write overlapped). */
    static final int BIG_BLOB_BYTES = (int) (3 * FilePendingWrite.FLUSH_BEHIND_BYTES + 12345);

    /**
     * The overlapped put with flushes behind its writer: the file under the digest's name holds the
     * bytes, nothing else is left (no temporary file), and no helper thread of the copy or of the
     * flush outlives the put.
     */
    @Test
    void aBigBlobPutWithFlushesBehindItIsStoredWholeUnderItsDigest() throws Exception {
        byte[] content = TestBytes.random(BIG_BLOB_BYTES, 14);
        Digest digest = Digest.sha256(content);
        try (BlobStore blobs = BlobStores.open(new StorageConfig.Filesystem(root))) {
            assertThat(blobs.put(digest, content.length, new ByteArrayInputStream(content))
                            .size())
                    .isEqualTo(content.length);
            assertThat(helperThreads()).isEmpty();
            try (InputStream in = blobs.open(digest, 0, -1)) {
                assertThat(in.readAllBytes()).isEqualTo(content);
            }
        }
        assertThat(everythingStored())
                .containsExactly(DistributionLayout.blobData(digest).value());
    }

    /** A source that breaks after several background flushes began: nothing stored, no thread left. */
    @Test
    void aBigBlobWhoseSourceBreaksMidwayLeavesNoFileAndNoFlushBehind() throws Exception {
        byte[] content = TestBytes.random(BIG_BLOB_BYTES, 15);
        Digest digest = Digest.sha256(content);
        InputStream breaking = TestBytes.failingAfter(content, (int) (2 * FilePendingWrite.FLUSH_BEHIND_BYTES + 1));
        try (BlobStore blobs = BlobStores.open(new StorageConfig.Filesystem(root))) {
            assertThatThrownBy(() -> blobs.put(digest, content.length, breaking))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasRootCauseMessage("connection reset by the primary");
            assertThat(helperThreads()).isEmpty();
            assertThat(blobs.stat(digest)).isEmpty();
        }
        assertThat(everythingStored()).isEmpty();
    }

    /** Bytes that do not match the digest, found only after several flushes: aborted like any mismatch. */
    @Test
    void aBigBlobThatDoesNotMatchItsDigestLeavesNoFileAndNoFlushBehind() throws Exception {
        byte[] content = TestBytes.random(BIG_BLOB_BYTES, 16);
        Digest digest = Digest.sha256(content);
        content[content.length - 1] ^= 1;
        try (BlobStore blobs = BlobStores.open(new StorageConfig.Filesystem(root))) {
            assertThatThrownBy(() -> blobs.put(digest, content.length, new ByteArrayInputStream(content)))
                    .isInstanceOf(DigestMismatchException.class);
            assertThat(helperThreads()).isEmpty();
        }
        assertThat(everythingStored()).isEmpty();
    }

    /** Live threads of a blob copy (HashingCopy's hasher and writer) or of a flush behind a write. */
    private static List<String> helperThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith(FilePendingWrite.FLUSHER_NAME)
                        || name.startsWith("blob-hash-")
                        || name.startsWith("blob-write-"))
                .toList();
    }

    @Nested
    class Objects extends ObjectStoreConformance {
        @Override
        protected ObjectStore openStore() {
            return BlobStores.openObjects(new StorageConfig.Filesystem(root));
        }

        @Override
        protected List<String> everythingStored() throws IOException {
            return FilesystemStorageTest.this.everythingStored();
        }
    }

    @Nested
    class Blobs extends BlobStoreConformance {
        @Override
        protected BlobStore openBlobStore() {
            return BlobStores.open(new StorageConfig.Filesystem(root));
        }

        @Override
        protected List<String> everythingStored() throws IOException {
            return FilesystemStorageTest.this.everythingStored();
        }

        /** A local file has no URL: registry-read streams it itself. */
        @Override
        protected void checkPresignedUrl(Optional<URI> url, byte[] content) {
            assertThat(url).isEmpty();
        }
    }
}
