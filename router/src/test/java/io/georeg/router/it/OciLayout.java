package io.georeg.router.it;

import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a testkit {@link TestImage} as an OCI image layout ({@code image-layout.md}) that skopeo copies from. */
final class OciLayout {
    private OciLayout() {
    }

    static Path write(TestImage image, String tag, Path dir) {
        try {
            Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            for (TestBlob blob : image.blobs()) {
                Files.write(blobs.resolve(blob.digest().hex()), blob.content());
            }
            Files.write(blobs.resolve(image.manifest().digest().hex()), image.manifest().content());
            Files.writeString(dir.resolve("index.json"), """
                    {"schemaVersion":2,"manifests":[{"mediaType":"%s","digest":"%s","size":%d,\
                    "annotations":{"org.opencontainers.image.ref.name":"%s"}}]}"""
                    .formatted(image.manifest().mediaType(), image.manifest().digest(), image.manifest().size(), tag));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
