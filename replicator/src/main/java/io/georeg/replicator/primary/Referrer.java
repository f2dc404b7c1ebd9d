package io.georeg.replicator.primary;

import io.georeg.oci.Digest;
import io.georeg.oci.Tag;
import java.util.Optional;

/**
 * A manifest that refers to another (signature, attestation, SBOM): found with the OCI referrers
 * API, or through the tag schema of registries without it ({@code sha256-<hex>.sig|.att|.sbom},
 * as cosign writes them), in which case {@code tag} is that tag.
 */
public record Referrer(Digest digest, String mediaType, Optional<Tag> tag) {}
