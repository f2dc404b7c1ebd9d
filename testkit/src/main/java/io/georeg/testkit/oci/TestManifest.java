package io.georeg.testkit.oci;

import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;

/** Raw manifest or index bytes as a registry stores them, with their digest and media type. */
public record TestManifest(Digest digest, String mediaType, byte[] content) {

    public static TestManifest of(String mediaType, byte[] content) {
        return new TestManifest(Digest.sha256(content), mediaType, content);
    }

    public long size() {
        return content.length;
    }

    public Descriptor descriptor() {
        return Descriptor.of(mediaType, digest, content.length);
    }
}
