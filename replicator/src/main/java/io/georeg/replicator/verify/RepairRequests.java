package io.georeg.replicator.verify;

import io.georeg.db.Database;
import io.georeg.db.Transactions;
import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkRequest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Turns a bad stored object into a request on the replicator's {@link WorkQueue}, so that the
 * normal copy path heals it: the replica's writer copies a blob marked {@code missing}/{@code
 * failed} again instead of skipping it as present. A blob is stored once for every repository, so
 * one request, for one repository that links it, heals it for all. A blob that is a manifest's
 * storage copy is requested as that manifest (its worker re-stores the copy); a manifest is
 * requested by digest in its own repository. Requests carry source {@value #SOURCE}.
 */
final class RepairRequests {
    static final String SOURCE = "verify";

    /** A repository holding the digest as a manifest, and one linking it as a blob (most recent first). */
    private static final String HOLDERS = """
            SELECT (SELECT r.name FROM manifests m JOIN repositories r ON r.id = m.repository_id
                     WHERE m.digest = ? ORDER BY m.id DESC LIMIT 1),
                   (SELECT r.name FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
                     WHERE rb.digest = ? ORDER BY rb.linked_at DESC LIMIT 1)
            """;

    private final Transactions tx;
    private final WorkQueue queue;

    RepairRequests(Database database, WorkQueue queue) {
        this.tx = database.transactions();
        this.queue = queue;
    }

    /** Queues a re-copy of the object; empty when no repository holds it (nothing to copy it for). */
    Optional<WorkRequest> request(Claimed bad) {
        Optional<WorkRequest> request = requestFor(bad, Instant.now());
        request.ifPresent(r -> queue.enqueue(List.of(r)));
        return request;
    }

    private Optional<WorkRequest> requestFor(Claimed bad, Instant now) {
        Digest digest = bad.digest();
        if (bad.target() == VerifyTarget.MANIFEST) {
            return Optional.of(WorkRequest.manifestPush(bad.repository().orElseThrow(), digest, now, SOURCE));
        }
        String[] holders = tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(HOLDERS)) {
                ps.setString(1, digest.toString());
                ps.setString(2, digest.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new String[] {rs.getString(1), rs.getString(2)};
                }
            }
        });
        if (holders[0] != null) {
            return Optional.of(WorkRequest.manifestPush(RepositoryName.of(holders[0]), digest, now, SOURCE));
        }
        if (holders[1] != null) {
            return Optional.of(WorkRequest.blobPush(RepositoryName.of(holders[1]), digest, bad.size(), now, SOURCE));
        }
        return Optional.empty();
    }
}
