package io.georeg.replicator.primary;

import io.georeg.oci.Digest;

/** A manifest as the primary served it: raw bytes, already checked against {@code digest}. */
public record FetchedManifest(Digest digest, String mediaType, byte[] content) {}
