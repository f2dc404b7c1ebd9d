package io.georeg.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link DefaultBlobStore} over each backend: content addressing in the
 * distribution v2 layout, verification before commit, ranged reads, pre-signed URLs.
 */
public abstract class BlobStoreConformance {
    /** About 20 MiB: several parts at the 5 MiB part size the backends' tests configure. */
    protected static final int MULTIPART = 20 * 1024 * 1024 + 123;

    protected BlobStore blobs;

    /** A new, empty store; closed after each test. */
    protected abstract BlobStore openBlobStore() throws Exception;

    /** Every object name the backend holds, including temporary or uncommitted areas it can list. */
    protected abstract List<String> everythingStored() throws Exception;

    /** Checks the backend's pre-signed URL for a blob with {@code content}. */
    protected abstract void checkPresignedUrl(Optional<URI> url, byte[] content) throws Exception;

    @BeforeEach
    void openIt() throws Exception {
        blobs = openBlobStore();
    }

    @AfterEach
    void closeIt() {
        blobs.close();
    }

    @Test
    void putThenOpenReturnsTheBlobAtItsDistributionPath() throws IOException {
        byte[] content = TestBytes.random(70_000, 10);
        Digest digest = Digest.sha256(content);

        BlobStore.PutResult result = blobs.put(digest, content.length, new ByteArrayInputStream(content));

        assertThat(result).isEqualTo(new BlobStore.PutResult(digest, content.length, false));
        assertThat(blobs.stat(digest)).contains((long) content.length);
        assertThat(readAll(digest)).isEqualTo(content);
        assertThat(blobs.objects().list(ObjectKey.of(DistributionLayout.ROOT)))
                .containsExactly(ObjectKey.of("docker/registry/v2/blobs/sha256/"
                        + digest.hex().substring(0, 2) + "/" + digest.hex() + "/data"));
    }

    @Test
    void putWithUnknownSizeIsVerifiedByDigestAlone() throws IOException {
        byte[] content = TestBytes.random(1000, 11);
        Digest digest = Digest.sha256(content);

        assertThat(blobs.put(digest, -1, new ByteArrayInputStream(content)).size())
                .isEqualTo(1000);
        assertThat(readAll(digest)).isEqualTo(content);
    }

    @Test
    void sha512BlobsAreStoredUnderTheirAlgorithm() throws IOException {
        byte[] content = TestBytes.random(5000, 12);
        Digest digest = Digest.of(
                Digest.Algorithm.SHA512,
                Digest.Algorithm.SHA512.newMessageDigest().digest(content));

        blobs.put(digest, content.length, new ByteArrayInputStream(content));

        assertThat(readAll(digest)).isEqualTo(content);
        assertThat(blobs.objects()
                        .size(ObjectKey.of("docker/registry/v2/blobs/sha512/"
                                + digest.hex().substring(0, 2) + "/" + digest.hex() + "/data")))
                .contains(5000L);
    }

    @Test
    void rePutOfStoredBlobIsAlreadyPresentAndDoesNotReadTheStream() {
        byte[] content = TestBytes.random(2000, 13);
        Digest digest = Digest.sha256(content);
        blobs.put(digest, content.length, new ByteArrayInputStream(content));

        InputStream untouchable = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("the stream of an already stored blob must not be read");
            }
        };
        assertThat(blobs.put(digest, content.length, untouchable))
                .isEqualTo(new BlobStore.PutResult(digest, content.length, true));
    }

    @Test
    void digestMismatchStoresNothing() throws Exception {
        byte[] content = TestBytes.random(100_000, 14);
        Digest claimed = Digest.sha256(TestBytes.random(100_000, 15));

        assertThatThrownBy(() -> blobs.put(claimed, content.length, new ByteArrayInputStream(content)))
                .isInstanceOfSatisfying(DigestMismatchException.class, e -> {
                    assertThat(e.expected()).isEqualTo(claimed);
                    assertThat(e.actual()).isEqualTo(Digest.sha256(content));
                    assertThat(e.actualSize()).isEqualTo(content.length);
                });
        assertThat(blobs.stat(claimed)).isEmpty();
        assertThat(everythingStored()).isEmpty();
    }

    @Test
    void largerThanExpectedSizeStoresNothing() throws Exception {
        byte[] content = TestBytes.random(200_000, 16);
        Digest digest = Digest.sha256(content);

        assertThatThrownBy(() -> blobs.put(digest, 100_000, new ByteArrayInputStream(content)))
                .isInstanceOfSatisfying(
                        DigestMismatchException.class,
                        e -> assertThat(e.expectedSize()).isEqualTo(100_000));
        assertThat(blobs.stat(digest)).isEmpty();
        assertThat(everythingStored()).isEmpty();
    }

    @Test
    void smallerThanExpectedSizeStoresNothing() throws Exception {
        byte[] content = TestBytes.random(1000, 17);
        Digest digest = Digest.sha256(content);

        assertThatThrownBy(() -> blobs.put(digest, 1001, new ByteArrayInputStream(content)))
                .isInstanceOfSatisfying(DigestMismatchException.class, e -> {
                    assertThat(e.actual()).isEqualTo(digest);
                    assertThat(e.actualSize()).isEqualTo(1000);
                });
        assertThat(everythingStored()).isEmpty();
    }

    @Test
    void failingSourceStoresNothing() throws Exception {
        byte[] content = TestBytes.random(300_000, 18);
        Digest digest = Digest.sha256(content);
        InputStream breaksHalfway = TestBytes.failingAfter(content, 150_000);

        assertThatThrownBy(() -> blobs.put(digest, content.length, breaksHalfway))
                .isInstanceOf(java.io.UncheckedIOException.class);
        assertThat(everythingStored()).isEmpty();
    }

    /** A blob of several chunks is read, hashed and written on three threads ({@link HashingCopy}). */
    @Test
    void digestMismatchOfABlobOfSeveralChunksStoresNothing() throws Exception {
        byte[] content = TestBytes.random(3 * HashingCopy.CHUNK_BYTES + 5, 23);
        Digest claimed = Digest.sha256(TestBytes.random(10, 24));

        assertThatThrownBy(() -> blobs.put(claimed, -1, new ByteArrayInputStream(content)))
                .isInstanceOfSatisfying(DigestMismatchException.class, e -> {
                    assertThat(e.actual()).isEqualTo(Digest.sha256(content));
                    assertThat(e.actualSize()).isEqualTo(content.length);
                });
        assertThat(blobs.stat(claimed)).isEmpty();
        assertThat(everythingStored()).isEmpty();
    }

    @Test
    void sourceFailingAfterSeveralChunksStoresNothing() throws Exception {
        byte[] content = TestBytes.random(4 * HashingCopy.CHUNK_BYTES, 25);
        Digest digest = Digest.sha256(content);
        InputStream breaksAfterTwoChunks = TestBytes.failingAfter(content, 2 * HashingCopy.CHUNK_BYTES + 1);

        assertThatThrownBy(() -> blobs.put(digest, content.length, breaksAfterTwoChunks))
                .isInstanceOf(java.io.UncheckedIOException.class);
        assertThat(blobs.stat(digest)).isEmpty();
        assertThat(everythingStored()).isEmpty();
    }

    @Test
    void rangedOpenReturnsStartMiddleAndEnd() throws IOException {
        byte[] content = TestBytes.random(1_000_000, 19);
        Digest digest = Digest.sha256(content);
        blobs.put(digest, content.length, new ByteArrayInputStream(content));

        assertThat(read(digest, 0, 100)).isEqualTo(Arrays.copyOfRange(content, 0, 100));
        assertThat(read(digest, 500_000, 65_537)).isEqualTo(Arrays.copyOfRange(content, 500_000, 565_537));
        assertThat(read(digest, 999_000, 1000)).isEqualTo(Arrays.copyOfRange(content, 999_000, 1_000_000));
        assertThat(read(digest, 123_456, -1)).isEqualTo(Arrays.copyOfRange(content, 123_456, 1_000_000));
    }

    @Test
    void missingBlobIsNotFound() {
        Digest digest = Digest.sha256(new byte[] {1, 2, 3});

        assertThat(blobs.stat(digest)).isEmpty();
        assertThatThrownBy(() -> blobs.open(digest, 0, -1))
                .isInstanceOfSatisfying(
                        BlobNotFoundException.class, e -> assertThat(e.digest()).isEqualTo(digest));
    }

    @Test
    void deleteRemovesTheBlob() {
        byte[] content = TestBytes.random(4096, 20);
        Digest digest = Digest.sha256(content);
        blobs.put(digest, content.length, new ByteArrayInputStream(content));

        blobs.delete(digest);
        blobs.delete(digest);

        assertThat(blobs.stat(digest)).isEmpty();
        assertThatThrownBy(() -> blobs.open(digest, 0, -1)).isInstanceOf(BlobNotFoundException.class);
    }

    @Test
    void blobSpanningSeveralUploadPartsRoundTrips() throws IOException {
        byte[] content = TestBytes.random(MULTIPART, 21);
        Digest digest = Digest.sha256(content);

        BlobStore.PutResult result = blobs.put(digest, content.length, new ByteArrayInputStream(content));

        assertThat(result.size()).isEqualTo(MULTIPART);
        assertThat(blobs.stat(digest)).contains((long) MULTIPART);
        try (InputStream in = blobs.open(digest, 0, -1)) {
            assertThat(sha256(in)).isEqualTo(digest);
        }
        int partBoundary = 5 * 1024 * 1024;
        assertThat(read(digest, partBoundary - 10, 20))
                .isEqualTo(Arrays.copyOfRange(content, partBoundary - 10, partBoundary + 10));
    }

    @Test
    void presignedGetMatchesTheBackend() throws Exception {
        byte[] content = TestBytes.random(10_000, 22);
        Digest digest = Digest.sha256(content);
        blobs.put(digest, content.length, new ByteArrayInputStream(content));

        checkPresignedUrl(blobs.presignedGet(digest, Duration.ofMinutes(5)), content);
    }

    private byte[] readAll(Digest digest) throws IOException {
        return read(digest, 0, -1);
    }

    private byte[] read(Digest digest, long offset, long length) throws IOException {
        try (InputStream in = blobs.open(digest, offset, length)) {
            return in.readAllBytes();
        }
    }

    private static Digest sha256(InputStream in) throws IOException {
        MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
        byte[] buffer = new byte[65536];
        int n;
        while ((n = in.read(buffer)) > 0) {
            md.update(buffer, 0, n);
        }
        return Digest.of(Digest.Algorithm.SHA256, md.digest());
    }
}
