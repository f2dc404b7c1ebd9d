package io.georeg.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.georeg.storage.BlobStore;
import io.georeg.storage.BlobStoreConformance;
import io.georeg.storage.DefaultBlobStore;
import io.georeg.storage.KeyPrefix;
import io.georeg.storage.ObjectKey;
import io.georeg.storage.ObjectStore;
import io.georeg.storage.ObjectStoreConformance;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;

/**
 * The conformance suite against GCS through the client library's own local test helper
 * ({@code LocalStorageHelper} of google-cloud-nio), an in-memory fake behind the real
 * {@link Storage} client: metadata, single-request and resumable uploads (chunks are kept apart
 * until the upload is finalized, as GCS does), ranged reads, listing with a prefix and deletes
 * are emulated, as is the server-side copy (rewrite) that commits a streamed write.
 *
 * <p>What it cannot emulate: HTTP itself (no server, no retries, no auth), resumable uploads
 * of more than one chunk (see {@link #CHUNK}), compose, and fetching a
 * signed URL (signing is local and is tested with a generated service account key in
 * {@link Blobs#checkPresignedUrl}, but the URL names Google's host, which tests never contact).
 * Object generations and preconditions are not checked by the fake, and abandoned resumable
 * sessions are simply dropped rather than expired after a week. Multi-chunk uploads over HTTP,
 * and copies killed with {@code kill -9}, are {@link GcsKilledCopyIT}'s.
 */
class GcsStorageTest {
    private static final String BUCKET = "georeg-test";
    /**
     * Larger than any test object: the helper's fake transport answers 404 to a resumable
     * upload's intermediate chunk ({@code Content-Range: bytes 0-N/*}), so multi-chunk uploads
     * cannot be emulated; every upload here is one finalizing request. Chunking itself is the
     * client library's code; our code only streams into its WriteChannel.
     */
    private static final int CHUNK = 32 * 1024 * 1024;

    private StorageOptions options;

    @BeforeEach
    void freshFake() {
        options = LocalStorageHelper.customOptions(false);
    }

    /** Every finalized object in the bucket (unfinalized uploads are invisible, as in GCS). */
    List<String> everythingStored() {
        List<String> names = new ArrayList<>();
        // A client over the in-memory fake holds no connections or threads: nothing to close.
        Storage storage = options.getService();
        for (Blob blob : storage.list(BUCKET).iterateAll()) {
            names.add(blob.getName());
        }
        return names;
    }

    @Nested
    class Objects extends ObjectStoreConformance {
        @Override
        protected ObjectStore openStore() {
            return new GcsObjectStore(options.getService(), BUCKET, KeyPrefix.of("site-b"), CHUNK);
        }

        @Override
        protected List<String> everythingStored() {
            return GcsStorageTest.this.everythingStored();
        }

        /**
         * An upload that is never finalized is no object in GCS (nor in the fake). What a killed
         * copy leaves is the finalized temporary object of a process that died between the
         * finalize and the delete of its commit.
         */
        @Override
        protected Optional<ObjectStore.PendingWrite> leaveWriteOfKilledCopy(ObjectKey key) {
            String temp = "site-b/"
                    + GcsObjectStore.temporaryKey(Instant.now().minusSeconds(300))
                            .value();
            options.getService()
                    .create(BlobInfo.newBuilder(BlobId.of(BUCKET, temp)).build(), new byte[] {1, 2, 3});
            return Optional.empty();
        }
    }

    @Nested
    class Blobs extends BlobStoreConformance {
        @Override
        protected BlobStore openBlobStore() {
            return new DefaultBlobStore(
                    new GcsObjectStore(options.getService(), BUCKET, KeyPrefix.of("site-b"), CHUNK));
        }

        @Override
        protected List<String> everythingStored() {
            return GcsStorageTest.this.everythingStored();
        }

        /**
         * The fake has no signing credentials, so the store answers empty (as it does in
         * production without a service account signer). With a service account key the URL is
         * a V4 signed URL for the blob's object; fetching it would need Google's servers.
         */
        @Override
        protected void checkPresignedUrl(Optional<URI> url, byte[] content) throws Exception {
            assertThat(url).isEmpty();
            StorageOptions signing = options.toBuilder()
                    .setCredentials(TestServiceAccount.credentials())
                    .build();
            try (GcsObjectStore store =
                    new GcsObjectStore(signing.getService(), BUCKET, KeyPrefix.of("site-b"), CHUNK)) {
                var key = blobs.objects()
                        .list(io.georeg.storage.ObjectKey.of("docker"))
                        .getFirst();
                Optional<URI> signed = store.presignedGet(key, java.time.Duration.ofMinutes(5));
                assertThat(signed).isPresent();
                assertThat(signed.get().getPath()).isEqualTo("/" + BUCKET + "/site-b/" + key.value());
                assertThat(signed.get().getQuery())
                        .contains("X-Goog-Algorithm=GOOG4-RSA-SHA256", "X-Goog-Expires=300", "X-Goog-Signature=");
            }
        }
    }
}
