package io.georeg.replicator.copy;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.replicator.queue.RetentionConfig;
import io.georeg.storage.BlobStore;
import io.georeg.storage.DefaultBlobStore;
import io.georeg.storage.ObjectKey;
import io.georeg.storage.ObjectStore;
import io.georeg.storage.fs.FilesystemObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep over filesystem storage, where a copy killed mid-write leaves a temporary file (the
 * storage conformance suite covers the same contract for S3 multipart uploads and GCS temporary
 * objects).
 */
class AbandonedWriteSweeperTest {
    @TempDir
    Path root;

    @Test
    void removesTheTemporaryFileOfACopyKilledLongAgoAndSparesTheCopyInProgress() throws Exception {
        RetentionConfig retention = RetentionConfig.defaults();
        try (BlobStore blobs = new DefaultBlobStore(FilesystemObjectStore.open(root))) {
            ObjectStore objects = blobs.objects();
            // As kill -9 mid-copy leaves it: 64 MiB written, never committed, aborted or closed.
            ObjectStore.PendingWrite killed = objects.beginWrite(ObjectKey.of("docker/registry/v2/blobs/killed"));
            byte[] chunk = new byte[1024 * 1024];
            for (int i = 0; i < 64; i++) {
                killed.stream().write(chunk);
            }
            Path leftover = single(temporaryFiles());
            Files.setLastModifiedTime(
                    leftover,
                    FileTime.from(
                            Instant.now().minus(retention.abandonedWrites()).minus(Duration.ofHours(1))));
            try (ObjectStore.PendingWrite inProgress =
                    objects.beginWrite(ObjectKey.of("docker/registry/v2/blobs/running"))) {
                inProgress.stream().write(chunk);

                AbandonedWriteSweeper sweeper = new AbandonedWriteSweeper(blobs, retention, Clock.systemUTC());
                assertThat(sweeper.sweepOnce()).isEqualTo(1);

                assertThat(Files.exists(leftover)).isFalse();
                assertThat(temporaryFiles()).hasSize(1);
                inProgress.stream().write(chunk);
                inProgress.commit();
            }
            assertThat(objects.size(ObjectKey.of("docker/registry/v2/blobs/running")))
                    .contains(2L * chunk.length);
            assertThat(temporaryFiles()).isEmpty();
            killed.close();
        }
    }

    private List<Path> temporaryFiles() throws Exception {
        try (Stream<Path> files = Files.list(root.resolve(FilesystemObjectStore.TEMP_DIR))) {
            return files.toList();
        }
    }

    private static Path single(List<Path> paths) {
        assertThat(paths).hasSize(1);
        return paths.get(0);
    }
}
