package io.georeg.read.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.read.ReadOptions;
import io.georeg.read.RegistryReadServer;
import io.georeg.read.auth.Authenticator;
import io.georeg.replica.ReplicaReader;
import io.georeg.storage.BlobNotFoundException;
import io.georeg.storage.StorageException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How failures below the API become answers, with a replica stub that fails on purpose: a bug
 * is 500 UNKNOWN with a request id and no stack trace, storage trouble is 503 UNAVAILABLE, a
 * blob that storage lost is BLOB_UNKNOWN.
 */
class ServerErrorsIT {
    static RegistryReadServer server;

    static final class FailingReplica implements ReplicaReader {
        @Override
        public boolean repositoryExists(RepositoryName repository) {
            return true;
        }

        @Override
        public Optional<StoredManifest> manifest(RepositoryName repository, Reference reference) {
            throw new IllegalStateException("secret internal detail that must not leak");
        }

        @Override
        public Optional<Long> blobSize(RepositoryName repository, Digest digest) {
            return switch (repository.value()) {
                case "broken" -> throw new IllegalStateException("secret internal detail that must not leak");
                case "down" -> throw new StorageException("backend down");
                default -> Optional.of(10L);
            };
        }

        @Override
        public InputStream openBlob(Digest digest, long offset, long length) {
            throw new BlobNotFoundException(digest);
        }

        @Override
        public void quarantineBlob(Digest digest, String evidence) {
            throw new AssertionError("served bytes of " + digest + " were reported corrupt: " + evidence);
        }

        @Override
        public Optional<URI> blobRedirect(Digest digest) {
            return Optional.empty();
        }

        @Override
        public List<Tag> tags(RepositoryName repository, String last, int limit) {
            throw new StorageException("backend down");
        }

        @Override
        public List<RepositoryName> catalog(String last, int limit) {
            return List.of();
        }

        @Override
        public List<Digest> untaggedManifests(RepositoryName repository, String last, int limit) {
            return List.of();
        }

        @Override
        public List<Descriptor> referrers(RepositoryName repository, Digest subject, Optional<String> artifactType) {
            return List.of();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        server = new RegistryReadServer(
                new FailingReplica(), Authenticator.anonymous(), ReadOptions.loopbackEphemeral());
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    @Test
    void unexpectedExceptionIs500UnknownWithRequestIdAndNoInternals() throws Exception {
        var r = RawHttp.send(server.port(), "GET", "/v2/a/manifests/latest", Map.of("X-Request-Id", "req-123"));
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.body())
                .contains("\"code\":\"UNKNOWN\"")
                .contains("req-123")
                .doesNotContain("secret internal detail")
                .doesNotContain("IllegalStateException")
                .doesNotContain("at io.georeg");
    }

    @Test
    void blobLostByStorageIsBlobUnknown() throws Exception {
        var r = RawHttp.send(server.port(), "GET", "/v2/a/blobs/" + Digest.sha256(new byte[3]), Map.of());
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body()).contains("\"code\":\"BLOB_UNKNOWN\"");
    }

    /** Blob GETs and HEADs are served in front of Jersey (BlobHandler): the same answers to the same failures. */
    @Test
    void unexpectedExceptionOfABlobIs500UnknownWithRequestIdAndNoInternals() throws Exception {
        for (String method : List.of("GET", "HEAD")) {
            var r = RawHttp.send(
                    server.port(),
                    method,
                    "/v2/broken/blobs/" + Digest.sha256(new byte[3]),
                    Map.of("X-Request-Id", "req-456"));
            assertThat(r.status()).as(method).isEqualTo(500);
            if (method.equals("GET")) {
                assertThat(r.body())
                        .contains("\"code\":\"UNKNOWN\"")
                        .contains("req-456")
                        .doesNotContain("secret internal detail")
                        .doesNotContain("IllegalStateException");
            }
        }
    }

    @Test
    void storageFailureOfABlobIs503Unavailable() throws Exception {
        var r = RawHttp.send(server.port(), "GET", "/v2/down/blobs/" + Digest.sha256(new byte[3]), Map.of());
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body()).contains("\"code\":\"UNAVAILABLE\"");
        assertThat(r.header("Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
    }

    @Test
    void storageFailureIs503Unavailable() throws Exception {
        var r = RawHttp.send(server.port(), "GET", "/v2/a/tags/list", Map.of());
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body()).contains("\"code\":\"UNAVAILABLE\"");
    }

    @Test
    void serverStopsAndStartsAgainOnAnEphemeralPort() throws Exception {
        RegistryReadServer other = new RegistryReadServer(
                new FailingReplica(), Authenticator.anonymous(), ReadOptions.loopbackEphemeral());
        other.start();
        int port = other.port();
        assertThat(port).isPositive().isNotEqualTo(server.port());
        assertThat(RawHttp.send(port, "GET", "/v2/", Map.of()).status()).isEqualTo(200);
        other.stop();
        other.stop();
    }
}
