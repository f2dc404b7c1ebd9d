package io.georeg.replicator.primary;

import io.georeg.oci.Digest;

/** What a manifest HEAD on the primary says: digest ({@code Docker-Content-Digest}), media type, size. */
public record ManifestHead(Digest digest, String mediaType, long size) {}
