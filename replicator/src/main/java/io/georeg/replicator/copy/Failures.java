package io.georeg.replicator.copy;

import io.georeg.db.DatabaseUnavailableException;
import io.georeg.oci.OciException;
import io.georeg.replica.MissingReferencesException;
import io.georeg.replicator.primary.PrimaryContentException;
import io.georeg.replicator.primary.PrimaryException;
import io.georeg.replicator.queue.FailureReason;
import io.georeg.replicator.queue.WorkFailedException;
import io.georeg.storage.DigestMismatchException;
import io.georeg.storage.StorageException;
import java.io.UncheckedIOException;

/**
 * Classifies what went wrong in a copy as permanent or transient, with its {@link FailureReason} for
 * metrics. Transient: the primary unreachable or answering 5xx/429, content that did not match its
 * digest (retried: one bad answer may be a proxy's or storage's hiccup; after the attempts run out
 * the item fails with this reason), storage or database trouble (retried however long it lasts), a
 * reference that raced. Permanent:
 * the primary does not have it, refuses us (401/403), or serves a manifest that is not one.
 * Used by {@link ReplicationWorker}.
 */
final class Failures {
    private Failures() {}

    static WorkFailedException notFound(String what) {
        return new WorkFailedException(
                FailureReason.NOT_FOUND, what + " is not on the primary (deleted since?)", true, null);
    }

    static WorkFailedException classify(RuntimeException e) {
        if (e instanceof WorkFailedException w) {
            return w;
        }
        if (e instanceof PrimaryContentException p) {
            return new WorkFailedException(FailureReason.DIGEST_MISMATCH, p.getMessage(), false, p);
        }
        if (e instanceof PrimaryException p) {
            return new WorkFailedException(
                    FailureReason.ofPrimaryStatus(p.status()), p.getMessage(), !p.isTransient(), p);
        }
        if (e instanceof DigestMismatchException d) {
            return new WorkFailedException(
                    FailureReason.DIGEST_MISMATCH, "blob copied from the primary: " + d.getMessage(), false, d);
        }
        if (e instanceof MissingReferencesException m) {
            return new WorkFailedException(FailureReason.MISSING_REFERENCES, m.getMessage(), false, m);
        }
        if (e instanceof OciException o) {
            return new WorkFailedException(FailureReason.INVALID_MANIFEST, o.code() + ": " + o.getMessage(), true, o);
        }
        if (e instanceof DatabaseUnavailableException d) {
            return WorkFailedException.ownBackend(FailureReason.DATABASE_UNAVAILABLE, d.getMessage(), d);
        }
        if (e instanceof StorageException s) {
            return WorkFailedException.ownBackend(FailureReason.STORAGE, s.getMessage(), s);
        }
        if (e instanceof UncheckedIOException u) {
            return new WorkFailedException(FailureReason.IO, u.getMessage(), false, u);
        }
        return new WorkFailedException(FailureReason.UNEXPECTED, String.valueOf(e), false, e);
    }
}
