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
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A 1 GiB blob streams through registry-read in a JVM whose heap is capped at 256 MiB (the
 * module's Failsafe argLine): any buffering of a whole blob would fail with OutOfMemoryError.
 * The bytes are generated, not stored, so the test measures the HTTP path, not the disk.
 */
class LargeBlobStreamIT {
    static final long SIZE = 1024L * 1024 * 1024;

    /** Deterministic bytes: position-derived, so the client can check them without a copy. */
    static final class GeneratedStream extends InputStream {
        private long remaining;
        private long pos;

        GeneratedStream(long offset, long length) {
            this.pos = offset;
            this.remaining = length;
        }

        @Override
        public int read() {
            if (remaining == 0) {
                return -1;
            }
            remaining--;
            return (int) (pos++ * 31 & 0xff);
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (remaining == 0) {
                return -1;
            }
            int n = (int) Math.min(len, remaining);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) (pos++ * 31);
            }
            remaining -= n;
            return n;
        }
    }

    static class GeneratedReplica implements ReplicaReader {
        @Override
        public boolean repositoryExists(RepositoryName repository) {
            return true;
        }

        @Override
        public Optional<StoredManifest> manifest(RepositoryName repository, Reference reference) {
            return Optional.empty();
        }

        @Override
        public Optional<Long> blobSize(RepositoryName repository, Digest digest) {
            return Optional.of(SIZE);
        }

        @Override
        public InputStream openBlob(Digest digest, long offset, long length) {
            return new GeneratedStream(offset, length < 0 ? SIZE - offset : length);
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
            return List.of();
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

    @Test
    @Timeout(180)
    void oneGibBlobStreamsWithA256MiBHeap() throws Exception {
        assertThat(Runtime.getRuntime().maxMemory())
                .as("run with -Xmx256m (Failsafe argLine)")
                .isLessThanOrEqualTo(300L * 1024 * 1024);
        // The real digest: registry-read hashes a whole blob as it serves it and aborts a mismatch.
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 16];
        try (InputStream ref = new GeneratedStream(0, SIZE)) {
            int n;
            while ((n = ref.read(buf)) >= 0) {
                expected.update(buf, 0, n);
            }
        }
        Digest digest = Digest.of(Digest.Algorithm.SHA256, expected.digest());
        try (RegistryReadServer server = new RegistryReadServer(
                new GeneratedReplica(), Authenticator.anonymous(), ReadOptions.loopbackEphemeral())) {
            server.start();
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            HttpResponse<InputStream> r = http.send(
                    HttpRequest.newBuilder(URI.create(server.uri() + "/v2/big/blob/blobs/" + digest))
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValueAsLong("Content-Length").orElse(-1))
                    .isEqualTo(SIZE);
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            long total = 0;
            try (InputStream in = r.body()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    received.update(buf, 0, n);
                    total += n;
                }
            }
            assertThat(total).isEqualTo(SIZE);
            assertThat(Digest.of(Digest.Algorithm.SHA256, received.digest())).isEqualTo(digest);
        }
    }
}
