package io.georeg.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.storage.BlobStore;
import io.georeg.storage.BlobStoreConformance;
import io.georeg.storage.BlobStores;
import io.georeg.storage.ObjectKey;
import io.georeg.storage.ObjectStore;
import io.georeg.storage.ObjectStoreConformance;
import io.georeg.storage.StorageConfig;
import io.georeg.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
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
