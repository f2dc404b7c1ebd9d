package io.georeg.replicator.verify;

import io.georeg.db.Database;
import io.georeg.db.Transactions;
import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The verifier's SQL: claims due objects in small batches and records what verification found,
 * in the {@code verify_*} columns of {@code blobs} and {@code manifests} (migration V1).
 *
 * <p><b>Claiming.</b> One short statement selects the least recently verified due rows
 * ({@code verified_at} NULLs first, the {@code blobs_verify_due_idx} order) {@code FOR UPDATE SKIP
 * LOCKED} and stamps {@code verified_at = now()} on them before it commits. The stamp is the claim:
 * a row it touched is no longer due for any other replicator process (a concurrent claimer either
 * skips the locked row or, re-checking it after our commit, finds it not due), so several
 * processes verifying one database never verify an object twice in a pass, and no transaction or
 * connection is held while the bytes are hashed. An advisory lock per batch would need a
 * connection held for the whole batch, and a separate claim column would need a migration; the
 * stamp needs neither. Its cost: an object whose verifier crashes mid-batch keeps its previous
 * {@code verify_state} and is due again only after {@code reverifyAfter}. A verifier that stops
 * or cannot read storage releases its claims ({@link #release}) by restoring the previous stamp.
 *
 * <p>Due means: never verified, verified longer than {@code reverifyAfter} ago, or (blobs) stored
 * again since the last verification (a re-copy by the replica's writer moves {@code stored_at}),
 * or (manifests found bad) their storage copy was stored again since.
 */
final class VerifyClaims {
    private static final String CLAIM_BLOBS = """
            WITH due AS (
                SELECT digest, verified_at FROM blobs
                 WHERE verified_at IS NULL OR verified_at < stored_at
                    OR verified_at < now() - ? * interval '1 millisecond'
                 ORDER BY verified_at NULLS FIRST, digest
                 LIMIT ?
                 FOR UPDATE SKIP LOCKED
            )
            UPDATE blobs b SET verified_at = now()
              FROM due
             WHERE b.digest = due.digest
            RETURNING b.digest, b.size, due.verified_at, now()
            """;

    private static final String CLAIM_MANIFESTS = """
            WITH due AS (
                SELECT m.id, m.verified_at FROM manifests m
                 WHERE m.verified_at IS NULL
                    OR m.verified_at < now() - ? * interval '1 millisecond'
                    OR (m.verify_state IN ('failed', 'missing')
                        AND EXISTS (SELECT 1 FROM blobs b WHERE b.digest = m.digest AND b.stored_at > m.verified_at))
                 ORDER BY m.verified_at NULLS FIRST, m.id
                 LIMIT ?
                 FOR UPDATE OF m SKIP LOCKED
            )
            UPDATE manifests m SET verified_at = now()
              FROM due, repositories r
             WHERE m.id = due.id AND r.id = m.repository_id
            RETURNING m.id, r.name, m.digest, m.size, m.content, due.verified_at, now()
            """;

    /** Only while our claim holds and the blob was not stored again meanwhile (a re-copy wins). */
    private static final String RECORD_BLOB = """
            UPDATE blobs
               SET verify_state = ?::verify_state, verified_at = now(), verify_error = ?,
                   verify_failures = verify_failures + ?
             WHERE digest = ? AND verified_at = ? AND stored_at <= ?
            """;

    private static final String RECORD_MANIFEST = """
            UPDATE manifests
               SET verify_state = ?::verify_state, verified_at = now(), verify_error = ?,
                   verify_failures = verify_failures + ?
             WHERE id = ? AND verified_at = ?
            """;

    /**
     * A manifest's storage copy is bad: its blob row says so too, so that the replica's writer
     * stores it again (putManifest re-puts a blob marked missing/failed) and readers skip it.
     */
    private static final String MARK_STORED_COPY = """
            UPDATE blobs
               SET verify_state = ?::verify_state, verified_at = now(), verify_error = ?,
                   verify_failures = verify_failures + 1
             WHERE digest = ? AND stored_at <= ?
            """;

    private static final String RELEASE_BLOB = """
            UPDATE blobs SET verified_at = ? WHERE digest = ? AND verified_at = ?
            """;

    private static final String RELEASE_MANIFEST = """
            UPDATE manifests SET verified_at = ? WHERE id = ? AND verified_at = ?
            """;

    private final Transactions tx;

    VerifyClaims(Database database) {
        this.tx = database.transactions();
    }

    /** Claims up to {@code limit} due objects of {@code target}, least recently verified first. */
    List<Claimed> claim(VerifyTarget target, int limit, Duration reverifyAfter) {
        return tx.inTransaction(c -> {
            try (PreparedStatement ps =
                    c.prepareStatement(target == VerifyTarget.BLOB ? CLAIM_BLOBS : CLAIM_MANIFESTS)) {
                ps.setLong(1, reverifyAfter.toMillis());
                ps.setInt(2, limit);
                List<Claimed> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(target == VerifyTarget.BLOB ? blob(rs) : manifest(rs));
                    }
                }
                return out;
            }
        });
    }

    /**
     * Writes the outcome ({@code OK}, {@code FAILED} or {@code MISSING}) of a claimed object; a
     * manifest whose storage copy is bad marks that copy's blob row too.
     *
     * @return false when the claim no longer held (the object was stored again or re-claimed)
     */
    boolean record(Claimed claimed, ContentCheck.Result result) {
        VerifyOutcome outcome = result.outcome();
        String error = result.error();
        if (outcome == VerifyOutcome.ERROR) {
            throw new IllegalArgumentException("an error is released, not recorded");
        }
        return tx.inTransaction(c -> {
            boolean blob = claimed.target() == VerifyTarget.BLOB;
            try (PreparedStatement ps = c.prepareStatement(blob ? RECORD_BLOB : RECORD_MANIFEST)) {
                ps.setString(1, outcome.label());
                ps.setString(2, truncate(error));
                ps.setInt(3, outcome == VerifyOutcome.OK ? 0 : 1);
                if (blob) {
                    ps.setString(4, claimed.digest().toString());
                } else {
                    ps.setLong(4, claimed.manifestId());
                }
                ps.setTimestamp(5, claimed.claimedAt());
                if (blob) {
                    ps.setTimestamp(6, claimed.claimedAt());
                }
                boolean recorded = ps.executeUpdate() == 1;
                if (recorded && !blob && outcome.needsRepair() && result.storageCopy()) {
                    markStoredCopy(c, claimed, outcome, error);
                }
                return recorded;
            }
        });
    }

    /** Gives a claimed object back: it is due again as it was before the claim. */
    void release(Claimed claimed) {
        tx.inTransaction(c -> {
            boolean blob = claimed.target() == VerifyTarget.BLOB;
            try (PreparedStatement ps = c.prepareStatement(blob ? RELEASE_BLOB : RELEASE_MANIFEST)) {
                ps.setTimestamp(1, claimed.previousVerifiedAt());
                if (blob) {
                    ps.setString(2, claimed.digest().toString());
                } else {
                    ps.setLong(2, claimed.manifestId());
                }
                ps.setTimestamp(3, claimed.claimedAt());
                return ps.executeUpdate();
            }
        });
    }

    private static void markStoredCopy(Connection c, Claimed claimed, VerifyOutcome outcome, String error)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(MARK_STORED_COPY)) {
            ps.setString(1, outcome.label());
            ps.setString(2, truncate(error));
            ps.setString(3, claimed.digest().toString());
            ps.setTimestamp(4, claimed.claimedAt());
            ps.executeUpdate();
        }
    }

    private static Claimed blob(ResultSet rs) throws SQLException {
        return new Claimed(
                VerifyTarget.BLOB,
                Digest.parse(rs.getString(1)),
                0,
                Optional.empty(),
                rs.getLong(2),
                null,
                rs.getTimestamp(3),
                rs.getTimestamp(4));
    }

    private static Claimed manifest(ResultSet rs) throws SQLException {
        return new Claimed(
                VerifyTarget.MANIFEST,
                Digest.parse(rs.getString(3)),
                rs.getLong(1),
                Optional.of(RepositoryName.of(rs.getString(2))),
                rs.getLong(4),
                rs.getBytes(5),
                rs.getTimestamp(6),
                rs.getTimestamp(7));
    }

    private static String truncate(String error) {
        if (error == null) {
            return null;
        }
        return error.length() > 1000 ? error.substring(0, 1000) : error;
    }
}
