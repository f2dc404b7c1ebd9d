package io.georeg.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.georeg.oci.Digest;
import io.georeg.storage.BlobStore;
import io.georeg.storage.BlobStoreConformance;
import io.georeg.storage.BlobStores;
import io.georeg.storage.KilledCopySource;
import io.georeg.storage.ObjectKey;
import io.georeg.storage.ObjectStore;
import io.georeg.storage.ObjectStoreConformance;
import io.georeg.storage.StorageConfig;
import io.georeg.storage.StorageException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite against a real S3 endpoint: s3proxy started in-process on an ephemeral
 * loopback port over jclouds' in-memory ("transient") blobstore, with SigV4 authentication, so
 * the SDK's signing, multipart uploads, ranges and pre-signed URLs go over real HTTP. Each test
 * gets its own bucket and a key prefix, so prefix handling is exercised too.
 */
class S3StorageIT {
    private static final String ACCESS_KEY = "georeg-test";
    private static final String SECRET_KEY = "georeg-test-secret";
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    private static BlobStoreContext jclouds;
    private static S3Proxy proxy;
    private static URI endpoint;

    private String bucket;

    @BeforeAll
    static void startS3Proxy() throws Exception {
        jclouds = ContextBuilder.newBuilder("transient")
                .credentials("identity", "credential")
                .overrides(new Properties())
                .build(BlobStoreContext.class);
        proxy = S3Proxy.builder()
                .blobStore(jclouds.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    @AfterAll
    static void stopS3Proxy() throws Exception {
        if (proxy != null) {
            proxy.stop();
        }
        if (jclouds != null) {
            jclouds.close();
        }
    }

    @BeforeEach
    void createBucket() {
        bucket = "georeg-" + BUCKETS.incrementAndGet();
        jclouds.getBlobStore().createContainerInLocation(null, bucket);
    }

    StorageConfig.S3 config() {
        return new StorageConfig.S3(
                bucket,
                "site-b/blobs",
                "us-east-1",
                endpoint,
                true,
                ACCESS_KEY,
                SECRET_KEY,
                StorageConfig.S3.MIN_PART_SIZE);
    }

    /** Every object in the bucket and every multipart upload still in progress. */
    List<String> everythingStored() {
        List<String> names = new ArrayList<>();
        for (StorageMetadata m : jclouds.getBlobStore().list(bucket, ListContainerOptions.Builder.recursive())) {
            names.add(m.getName());
        }
        jclouds.getBlobStore().listMultipartUploads(bucket).forEach(u -> names.add("upload:" + u.blobName()));
        return names;
    }

    /**
     * {@code kill -9} of a process copying a blob into S3: its multipart upload stays open with
     * the parts it sent, invisible and kept by S3 until aborted; the sweep of abandoned writes, as
     * the replicator runs it once the write began longer ago than
     * {@code replicator.retention.abandonedWrites}, aborts it and touches nothing else.
     */
    @Test
    void theMultipartUploadOfACopyKilledMidWriteIsAbortedByTheSweep() throws Exception {
        Path log = Files.createTempFile("killed-copy", ".log");
        StorageConfig.S3 config = config();
        try (BlobStore blobs = BlobStores.open(config)) {
            byte[] kept = "kept".getBytes(StandardCharsets.UTF_8);
            blobs.put(Digest.sha256(kept), kept.length, new ByteArrayInputStream(kept));
            List<String> before = everythingStored();
            Process child = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            KilledCopyMain.class.getName(),
                            endpoint.toString(),
                            config.bucket(),
                            config.prefix(),
                            config.accessKeyId(),
                            config.secretAccessKey(),
                            String.valueOf(2 * StorageConfig.S3.MIN_PART_SIZE + 1024))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                await("the copy has sent its first parts and waits for more of the blob")
                        .atMost(Duration.ofSeconds(90))
                        .until(() -> Files.readString(log).contains(KilledCopySource.STALLED) || !child.isAlive());
                assertThat(child.isAlive()).as(Files.readString(log)).isTrue();
            } finally {
                child.destroyForcibly().waitFor(); // SIGKILL: nothing aborts the upload
            }
            assertThat(jclouds.getBlobStore().listMultipartUploads(bucket))
                    .as("the killed copy's upload")
                    .singleElement()
                    .satisfies(u -> assertThat(u.blobName()).startsWith(config.prefix() + "/"));

            assertThat(blobs.removeAbandonedWrites(Instant.now().plus(Duration.ofHours(1))))
                    .isEqualTo(1);

            assertThat(everythingStored()).containsExactlyInAnyOrderElementsOf(before);
            try (InputStream in = blobs.open(Digest.sha256(kept), 0, -1)) {
                assertThat(in.readAllBytes()).isEqualTo(kept);
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /**
     * A bucket that does not exist (deleted, misspelt) fails the health probe, so the secondary
     * is degraded and not ready. A HEAD of any key in it is a bare 404, which reads as "absent":
     * the stat the probe used to be passed, and a replica without its bucket said it was ready.
     */
    @Test
    void aMissingBucketFailsTheHealthProbe() {
        StorageConfig.S3 present = config();
        StorageConfig.S3 missing = new StorageConfig.S3(
                bucket + "-missing",
                present.prefix(),
                present.region(),
                present.endpoint(),
                present.pathStyle(),
                present.accessKeyId(),
                present.secretAccessKey(),
                present.partSizeBytes());
        try (ObjectStore store = BlobStores.openObjects(missing)) {
            assertThat(store.size(ObjectKey.of("docker/registry/v2/georeg-probe")))
                    .as("what a stat says")
                    .isEmpty();
            assertThatThrownBy(store::probe)
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("s3://" + bucket + "-missing/site-b/blobs/")
                    .hasMessageContaining("bucket does not exist");
        }
    }

    @Nested
    class Objects extends ObjectStoreConformance {
        @Override
        protected ObjectStore openStore() {
            return BlobStores.openObjects(config());
        }

        @Override
        protected List<String> everythingStored() {
            return S3StorageIT.this.everythingStored();
        }
    }

    @Nested
    class Blobs extends BlobStoreConformance {
        @Override
        protected BlobStore openBlobStore() {
            return BlobStores.open(config());
        }

        @Override
        protected List<String> everythingStored() {
            return S3StorageIT.this.everythingStored();
        }

        /** The SigV4 query-signed URL is fetched without any credentials and returns the blob. */
        @Override
        protected void checkPresignedUrl(Optional<URI> url, byte[] content) throws Exception {
            assertThat(url).isPresent();
            assertThat(url.get().toString())
                    .startsWith(endpoint + "/" + bucket + "/site-b/blobs/docker/registry/v2/blobs/sha256/")
                    .contains("X-Amz-Signature=");
            try (HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build()) {
                HttpResponse<byte[]> response = http.send(
                        HttpRequest.newBuilder(url.get())
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo(content);

                URI tampered = URI.create(url.get().toString().replace("X-Amz-Signature=", "X-Amz-Signature=0"));
                HttpResponse<byte[]> forged = http.send(
                        HttpRequest.newBuilder(tampered)
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertThat(forged.statusCode()).isEqualTo(403);
            }
        }
    }
}
