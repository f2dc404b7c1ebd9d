package io.georeg.read.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.Digest;
import io.georeg.read.ReadOptions;
import io.georeg.read.RegistryReadServer;
import io.georeg.read.auth.Authenticator;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Where the replica offers a pre-signed URL, blob GETs redirect to it (307) and HEADs are answered locally. */
class BlobRedirectIT {

    @Test
    void blobGetIs307ToThePresignedUrlAndHeadStaysLocal() throws Exception {
        URI presigned = URI.create("https://bucket.s3.example/blobs/abc?X-Amz-Signature=deadbeef&X-Amz-Expires=1200");
        var replica = new LargeBlobStreamIT.GeneratedReplica() {
            @Override
            public Optional<URI> blobRedirect(Digest digest) {
                return Optional.of(presigned);
            }
        };
        try (RegistryReadServer server =
                new RegistryReadServer(replica, Authenticator.anonymous(), ReadOptions.loopbackEphemeral())) {
            server.start();
            String path = "/v2/a/b/blobs/" + Digest.sha256(new byte[0]);
            var get = RawHttp.send(server.port(), "GET", path, Map.of());
            assertThat(get.status()).isEqualTo(307);
            assertThat(get.header("Location")).isEqualTo(presigned.toString());
            assertThat(get.header("Docker-Content-Digest"))
                    .isEqualTo(Digest.sha256(new byte[0]).toString());
            var head = RawHttp.send(server.port(), "HEAD", path, Map.of());
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo(Long.toString(LargeBlobStreamIT.SIZE));
        }
    }
}
