package io.georeg.testkit.oci;

import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;

/** A blob of test content (layer or config) with its digest and media type. */
public record TestBlob(Digest digest, String mediaType, byte[] content) {

    public static TestBlob of(String mediaType, byte[] content) {
        return new TestBlob(Digest.sha256(content), mediaType, content);
    }

    public long size() {
        return content.length;
    }

    public InputStream stream() {
        return new ByteArrayInputStream(content);
    }

    public Descriptor descriptor() {
        return Descriptor.of(mediaType, digest, content.length);
    }
}
