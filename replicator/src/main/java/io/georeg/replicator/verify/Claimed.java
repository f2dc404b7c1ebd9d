package io.georeg.replicator.verify;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import java.sql.Timestamp;
import java.util.Optional;

/**
 * One object claimed for verification by {@link VerifyClaims}: a blob, or a manifest of one
 * repository with its bytes from the database.
 *
 * @param manifestId the manifest row's id (0 for a blob)
 * @param repository the manifest's repository (empty for a blob)
 * @param size the size the database records
 * @param content a manifest's bytes as the database holds them (null for a blob)
 * @param previousVerifiedAt {@code verified_at} before the claim, restored when the claim is released
 * @param claimedAt the claim's stamp (the database's clock), written into {@code verified_at}
 */
public record Claimed(
        VerifyTarget target,
        Digest digest,
        long manifestId,
        Optional<RepositoryName> repository,
        long size,
        byte[] content,
        Timestamp previousVerifiedAt,
        Timestamp claimedAt) {

    @Override
    public String toString() {
        return target.label() + " " + repository.map(r -> r + "@").orElse("") + digest;
    }
}
