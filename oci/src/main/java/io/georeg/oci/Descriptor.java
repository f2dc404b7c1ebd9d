package io.georeg.oci;

import java.util.Map;

/** An OCI content descriptor (image-spec descriptor.md), reduced to what georeg uses. */
public record Descriptor(
        String mediaType,
        Digest digest,
        long size,
        String artifactType,
        Map<String, String> annotations,
        Platform platform) {
    public Descriptor {
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, null, Map.of(), null);
    }

    /** The platform object of an index entry. */
    public record Platform(String architecture, String os, String variant) {}
}
