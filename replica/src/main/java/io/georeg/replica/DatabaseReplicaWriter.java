package io.georeg.replica;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.db.Database;
import io.georeg.db.Transactions;
import io.georeg.oci.Digest;
import io.georeg.oci.ErrorCode;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.OciException;
import io.georeg.oci.ParsedManifest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.storage.BlobStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The replica's write side over the tracking database and blob storage; the replicator and test
 * loaders write through it.
 *
 * <p>Order of every write: bytes and distribution link files first, the database row last, so
 * that whatever the database shows is complete in storage too (readers and a promoted stock
 * registry agree). Removals go the other way: the database row first (readers stop seeing it),
 * then the link files. A failure between the two steps leaves a state the same call repairs when
 * repeated, and every call is safe to repeat and to run concurrently with itself (INSERT … ON
 * CONFLICT, deletes of absent rows are no-ops).
 *
 * <p>Round trips: the replicator copies an image with a few calls per blob, so each call spends
 * as few as it can. A blob's row and link, and a tag, are each one statement in auto-commit
 * (atomic by itself; the repository row is found or created inside it, see
 * {@link RepositoryRows}); a manifest is a pre-check read, then one transaction of a locking
 * reference check and one set-based insert. Only the checks that must come before the storage
 * writes (blob state, references, the tagged manifest) are separate reads.
 *
 * <p>Deletes leave tombstones (migration V13): a manifest delete or blob unlink takes a
 * transaction-scoped advisory lock on its key and records the key with a new delete generation in
 * its transaction. A writer made by {@link #refusingDeletesAfter} takes the same lock in the
 * transaction that stores a manifest or links a blob and refuses it when its tombstone is newer
 * than the generation the copy read before it read the primary. A blob's or a tag's link sends the
 * lock, a refusal that fails when the tombstone is newer (V20) and the link as one auto-commit
 * round trip, as an unguarded link costs ({@link Tombstones#guarded}); a manifest's transaction
 * sends the same lock and refusal in one round trip ({@link Tombstones#lockThenRefuse}), one more
 * than an unguarded store. A copy that has just asked {@link #linkStoredBlob} hands its answer to
 * {@link #putBlob(RepositoryName, Digest, long, InputStream, BlobLink)}, which does not read the
 * blob's state again.
 */
public final class DatabaseReplicaWriter implements ReplicaWriter {

    private static final String BLOB_STATE = """
            SELECT verify_state::text FROM blobs WHERE digest = ?
            """;
    /**
     * The blob's row and its repository link in one statement (its own transaction). A blob the
     * verifier found missing or corrupt counts as stored again once copied anew. The link's
     * foreign key to blobs is checked at the end of the statement, so it sees the row inserted
     * here. Parameters: name, name, digest, size, media type, digest. Returns the count of
     * {@code repo} (see {@link RepositoryRows#ENSURE_CTES}).
     */
    private static final String RECORD_AND_LINK_BLOB = "WITH " + RepositoryRows.ENSURE_CTES + """
            ,
            blob AS (
                INSERT INTO blobs (digest, size, media_type) VALUES (?, ?, ?)
                ON CONFLICT (digest) DO UPDATE
                    SET size = EXCLUDED.size, stored_at = now(), verify_state = 'unverified', verify_error = NULL
                    WHERE blobs.verify_state IN ('missing', 'failed')),
            link AS (
                INSERT INTO repository_blobs (repository_id, digest) SELECT id, ? FROM repo
                ON CONFLICT (repository_id, digest) DO NOTHING)
            SELECT count(*) FROM repo
            """;
    /** Links a blob whose row exists. Parameters: name, name, digest. Returns the count of {@code repo}. */
    private static final String LINK_BLOB = "WITH " + RepositoryRows.ENSURE_CTES + """
            ,
            link AS (
                INSERT INTO repository_blobs (repository_id, digest) SELECT id, ? FROM repo
                ON CONFLICT (repository_id, digest) DO NOTHING)
            SELECT count(*) FROM repo
            """;

    private static final String UNLINK_BLOB = """
            DELETE FROM repository_blobs rb
            USING repositories r
            WHERE r.id = rb.repository_id AND r.name = ? AND rb.digest = ?
            """;
    /**
     * The manifest's own blob row, the manifest and its reference rows in one statement, run
     * after its references were found and locked in the same transaction. The reference rows are
     * only written with a new manifest row: an existing row got them from the transaction that
     * created it (same digest, same content, same references). Parameters: name, name, digest,
     * size, media type, then the manifest columns, then the blob and child digest arrays.
     * Returns the count of {@code repo}.
     */
    private static final String INSERT_MANIFEST = "WITH " + RepositoryRows.ENSURE_CTES + """
            ,
            blob AS (
                INSERT INTO blobs (digest, size, media_type) VALUES (?, ?, ?)
                ON CONFLICT (digest) DO UPDATE
                    SET size = EXCLUDED.size, stored_at = now(), verify_state = 'unverified', verify_error = NULL
                    WHERE blobs.verify_state IN ('missing', 'failed')),
            manifest AS (
                INSERT INTO manifests (repository_id, digest, media_type, artifact_type, subject_digest, annotations, content, size)
                SELECT id, ?, ?, ?, ?, ?::jsonb, ?, ? FROM repo
                ON CONFLICT (repository_id, digest) DO NOTHING
                RETURNING id),
            manifest_blob_rows AS (
                INSERT INTO manifest_blobs (manifest_id, digest)
                SELECT manifest.id, d FROM manifest, unnest(?::text[]) AS d
                ON CONFLICT (manifest_id, digest) DO NOTHING),
            manifest_child_rows AS (
                INSERT INTO manifest_children (manifest_id, child_digest)
                SELECT manifest.id, d FROM manifest, unnest(?::text[]) AS d
                ON CONFLICT (manifest_id, child_digest) DO NOTHING)
            SELECT count(*) FROM repo
            """;

    private static final String MANIFEST_STORED = """
            SELECT 1
            FROM manifests m
            JOIN repositories r ON r.id = m.repository_id
            WHERE r.name = ? AND m.digest = ?
            """;
    /**
     * Checks and tags in one statement (its own transaction): the manifest row is key-share
     * locked, so a concurrent delete waits, or, having committed first, makes it count as
     * absent. Parameters: name, digest, tag, digest. Returns 0 when the manifest is not stored.
     */
    private static final String TAG = """
            WITH target AS (
                SELECT m.repository_id
                FROM manifests m
                JOIN repositories r ON r.id = m.repository_id
                WHERE r.name = ? AND m.digest = ?
                FOR KEY SHARE OF m),
            upsert AS (
                INSERT INTO tags (repository_id, name, manifest_digest) SELECT repository_id, ?, ? FROM target
                ON CONFLICT (repository_id, name) DO UPDATE
                    SET manifest_digest = EXCLUDED.manifest_digest, updated_at = now()
                    WHERE tags.manifest_digest IS DISTINCT FROM EXCLUDED.manifest_digest)
            SELECT count(*) FROM target
            """;

    private static final String TAGGED_MANIFEST = """
            SELECT t.manifest_digest
            FROM tags t
            JOIN repositories r ON r.id = t.repository_id
            WHERE r.name = ? AND t.name = ?
            """;

    private static final String DELETE_TAG = """
            DELETE FROM tags t
            USING repositories r
            WHERE r.id = t.repository_id AND r.name = ? AND t.name = ?
            """;
    private static final String DELETE_TAGS_OF_MANIFEST = """
            DELETE FROM tags t
            USING repositories r
            WHERE r.id = t.repository_id AND r.name = ? AND t.manifest_digest = ?
            RETURNING t.name
            """;
    private static final String DELETE_MANIFEST = """
            DELETE FROM manifests m
            USING repositories r
            WHERE r.id = m.repository_id AND r.name = ? AND m.digest = ?
            """;

    private static final String RECORD_TOMBSTONE = """
            INSERT INTO replica_tombstones (repository, kind, digest, generation)
            VALUES (?, ?, ?, nextval('replica_delete_generation'))
            ON CONFLICT (repository, kind, digest) DO UPDATE SET generation = EXCLUDED.generation, deleted_at = now()
            """;
    private static final String PRUNE_TOMBSTONES =
            "DELETE FROM replica_tombstones WHERE deleted_at < now() - " + Tombstones.LIFETIME;
    private static final String MANIFEST = Tombstones.MANIFEST;
    private static final String BLOB = Tombstones.BLOB;
    private static final String TAG_KIND = Tombstones.TAG;
    /** {@link #deletesAfter} of a writer that refuses nothing. */
    private static final long UNGUARDED = Long.MAX_VALUE;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Transactions tx;
    private final BlobStore blobs;
    private final DistributionLinks links;
    /** Stores of content whose tombstone is newer than this are refused. */
    private final long deletesAfter;

    public DatabaseReplicaWriter(Database database, BlobStore blobs) {
        this.tx = database.transactions();
        this.blobs = blobs;
        this.links = new DistributionLinks(blobs.objects());
        this.deletesAfter = UNGUARDED;
    }

    private DatabaseReplicaWriter(DatabaseReplicaWriter writer, long deletesAfter) {
        this.tx = writer.tx;
        this.blobs = writer.blobs;
        this.links = writer.links;
        this.deletesAfter = deletesAfter;
    }

    @Override
    public long deleteGeneration() {
        return tx.read(Tombstones::deleteGeneration);
    }

    @Override
    public ReplicaWriter refusingDeletesAfter(long generation) {
        return new DatabaseReplicaWriter(this, generation);
    }

    /** What the tracking database knows of a blob's bytes. */
    private enum BlobState {
        /** No row. */
        UNKNOWN,
        /** Stored, verified or not yet. */
        STORED,
        /** The verifier found the bytes missing or corrupt ({@code verify_state} missing/failed): copy again. */
        LOST
    }

    /** True when the blob is stored and not known to be missing or corrupt. */
    @Override
    public boolean hasBlob(Digest digest) {
        return blobState(digest) == BlobState.STORED;
    }

    /**
     * {@inheritDoc}
     *
     * <p>A blob the verifier marked {@code missing} or {@code failed} is copied again: its
     * stored bytes (if any) are removed first and its state returns to {@code unverified}.
     */
    @Override
    public boolean putBlob(RepositoryName repository, Digest digest, long size, InputStream content) {
        BlobState state = blobState(digest);
        if (state == BlobState.STORED) {
            linkRecordedBlob(repository, digest);
            return false;
        }
        return store(repository, digest, size, content, state == BlobState.LOST);
    }

    /**
     * {@inheritDoc} One database round trip fewer than the other putBlob for a blob not stored (the
     * common case): no state read. A blob found lost is the rare case, and removing its bytes on
     * the strength of a read made before the download began could remove the good copy another
     * replicator stored meanwhile: its state is read again just before, as the other putBlob does.
     */
    @Override
    public boolean putBlob(RepositoryName repository, Digest digest, long size, InputStream content, BlobLink found) {
        return switch (found) {
            case LINKED -> throw new IllegalArgumentException("blob " + digest + " is linked already: nothing to put");
            case LOST -> putBlob(repository, digest, size, content);
            case ABSENT -> store(repository, digest, size, content, false);
        };
    }

    /** The bytes (a lost blob's removed first), the layer link file, then the row and link. */
    private boolean store(RepositoryName repository, Digest digest, long size, InputStream content, boolean lost) {
        if (lost) {
            blobs.delete(digest);
        }
        BlobStore.PutResult stored = blobs.put(digest, size, content);
        links.linkLayer(repository, digest);
        recordAndLink(repository, digest, stored.size());
        return !stored.alreadyPresent();
    }

    /** {@inheritDoc} A blob the verifier marked missing or corrupt is not linked (false): copy it with putBlob. */
    @Override
    public boolean linkBlob(RepositoryName repository, Digest digest) {
        return linkStoredBlob(repository, digest) == BlobLink.LINKED;
    }

    @Override
    public BlobLink linkStoredBlob(RepositoryName repository, Digest digest) {
        BlobState state = blobState(digest);
        if (state == BlobState.STORED) {
            linkRecordedBlob(repository, digest);
            return BlobLink.LINKED;
        }
        if (state == BlobState.LOST) {
            return BlobLink.LOST;
        }
        // Bytes in storage without a row (e.g. a write interrupted between the two steps): adopt them.
        Optional<Long> size = blobs.stat(digest);
        if (size.isEmpty()) {
            return BlobLink.ABSENT;
        }
        links.linkLayer(repository, digest);
        recordAndLink(repository, digest, size.get());
        return BlobLink.LINKED;
    }

    @Override
    public Digest putManifest(RepositoryName repository, byte[] content, String mediaType, Digest expected) {
        ParsedManifest parsed = ManifestParser.parse(content, mediaType);
        Digest digest = verifiedDigest(parsed, content, expected);
        References references = References.of(parsed);
        // One connection, no transaction: the references not stored yet, and the manifest's own blob.
        PreCheck pre = tx.read(c -> new PreCheck(references.missingIn(c, repository, false), blobState(c, digest)));
        if (!pre.missing().isEmpty()) {
            throw new MissingReferencesException(digest, pre.missing());
        }
        // distribution keeps manifests as blobs too: a promoted registry reads them from here.
        if (pre.state() == BlobState.LOST) {
            blobs.delete(digest);
        }
        blobs.put(digest, content.length, new ByteArrayInputStream(content));
        links.linkRevision(repository, digest);
        String annotations = annotationsJson(parsed.annotations());
        try {
            tx.inTransaction(c -> {
                refuseIfDeletedAfter(c, repository, MANIFEST, digest.toString());
                List<Digest> stillMissing = references.missingIn(c, repository, true);
                if (!stillMissing.isEmpty()) {
                    throw new MissingReferencesException(digest, stillMissing);
                }
                for (int attempt = 1;
                        !insertManifest(c, repository, digest, parsed, annotations, content, references);
                        attempt++) {
                    checkRepositoryAttempts(repository, attempt);
                }
                return null;
            });
        } catch (DeletedSinceException e) {
            links.unlinkRevision(repository, digest);
            throw e;
        }
        return digest;
    }

    /**
     * Tags a manifest stored in the repository.
     *
     * @throws MissingReferencesException (listing the manifest) when it is not stored in the repository
     */
    @Override
    public void tag(RepositoryName repository, Tag tag, Digest manifest) {
        // Checked before the link files are written, so a refused tag leaves none behind.
        if (!tx.read(c -> exists(c, MANIFEST_STORED, repository.value(), manifest.toString()))) {
            throw new MissingReferencesException(manifest, List.of(manifest));
        }
        links.linkTag(repository, tag, manifest);
        Parameters parameters = (ps, i) -> {
            ps.setString(i, repository.value());
            ps.setString(i + 1, manifest.toString());
            ps.setString(i + 2, tag.value());
            ps.setString(i + 3, manifest.toString());
        };
        long found = linkStatement(
                repository, TAG_KIND, tag.value(), TAG, parameters, () -> links.removeTag(repository, tag));
        if (found == 0) {
            throw new MissingReferencesException(manifest, List.of(manifest));
        }
    }

    @Override
    public Optional<Digest> taggedManifest(RepositoryName repository, Tag tag) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(TAGGED_MANIFEST)) {
                ps.setString(1, repository.value());
                ps.setString(2, tag.value());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(Digest.parse(rs.getString(1))) : Optional.empty();
                }
            }
        });
    }

    /** Removes the tag, leaving a tombstone that refuses a guarded {@link #tag} whose copy read the primary before. */
    @Override
    public void untag(RepositoryName repository, Tag tag) {
        tx.inTransaction(c -> {
            recordTombstone(c, repository, TAG_KIND, tag.value());
            return update(c, DELETE_TAG, repository.value(), tag.value());
        });
        links.removeTag(repository, tag);
    }

    @Override
    public List<Tag> deleteManifest(RepositoryName repository, Digest manifest) {
        List<Tag> removedTags = tx.inTransaction(c -> {
            recordTombstone(c, repository, MANIFEST, manifest.toString());
            List<Tag> tags = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(DELETE_TAGS_OF_MANIFEST)) {
                ps.setString(1, repository.value());
                ps.setString(2, manifest.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tags.add(Tag.of(rs.getString(1)));
                    }
                }
            }
            update(c, DELETE_MANIFEST, repository.value(), manifest.toString());
            return tags;
        });
        for (Tag tag : removedTags) {
            links.removeTag(repository, tag);
        }
        links.unlinkRevision(repository, manifest);
        return removedTags;
    }

    @Override
    public void unlinkBlob(RepositoryName repository, Digest digest) {
        tx.inTransaction(c -> {
            recordTombstone(c, repository, BLOB, digest.toString());
            return update(c, UNLINK_BLOB, repository.value(), digest.toString());
        });
        links.unlinkLayer(repository, digest);
    }

    /** The references a manifest still lacks and its own blob's state, read in one statement. */
    private record PreCheck(List<Digest> missing, BlobState state) {}

    private BlobState blobState(Digest digest) {
        return tx.read(c -> blobState(c, digest));
    }

    private static BlobState blobState(Connection c, Digest digest) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(BLOB_STATE)) {
            ps.setString(1, digest.toString());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return BlobState.UNKNOWN;
                }
                String verifyState = rs.getString(1);
                return "missing".equals(verifyState) || "failed".equals(verifyState)
                        ? BlobState.LOST
                        : BlobState.STORED;
            }
        }
    }

    private void linkRecordedBlob(RepositoryName repository, Digest digest) {
        links.linkLayer(repository, digest);
        for (int attempt = 1; ; attempt++) {
            long found = linkBlobStatement(repository, digest, LINK_BLOB, (ps, i) -> {
                ps.setString(i, repository.value());
                ps.setString(i + 1, repository.value());
                ps.setString(i + 2, digest.toString());
            });
            if (found > 0) {
                return;
            }
            checkRepositoryAttempts(repository, attempt);
        }
    }

    /** The blob's row and link: one statement, so one round trip and one commit. */
    private void recordAndLink(RepositoryName repository, Digest digest, long size) {
        for (int attempt = 1; ; attempt++) {
            long found = linkBlobStatement(repository, digest, RECORD_AND_LINK_BLOB, (ps, i) -> {
                ps.setString(i, repository.value());
                ps.setString(i + 1, repository.value());
                ps.setString(i + 2, digest.toString());
                ps.setLong(i + 3, size);
                ps.setString(i + 4, null);
                ps.setString(i + 5, digest.toString());
            });
            if (found > 0) {
                return;
            }
            checkRepositoryAttempts(repository, attempt);
        }
    }

    /** Binds a statement's parameters from index {@code first} on. */
    @FunctionalInterface
    private interface Parameters {
        void bind(PreparedStatement ps, int first) throws SQLException;
    }

    /** {@link #linkStatement} of a blob: refused, its layer link file is removed again. */
    private long linkBlobStatement(RepositoryName repository, Digest digest, String sql, Parameters parameters) {
        return linkStatement(
                repository, BLOB, digest.toString(), sql, parameters, () -> links.unlinkLayer(repository, digest));
    }

    /**
     * Runs {@code sql}, one statement that links a blob or a tag into a repository and returns a
     * count, on an auto-commit connection: alone, or, for a guarded writer, behind the key's lock
     * and the refusal of what was deleted since the copy read the primary ({@code kind},
     * {@code key}: its tombstone), the three as one {@link Transactions#atomically} multi-statement
     * ({@link Tombstones#guarded}; one round trip, three fewer than a transaction of the lock, the
     * check, the store and its commit, unless the database URL asks for pgjdbc's simple query mode).
     * Refused, the link file the call wrote is removed again ({@code unlink}), for the replica has
     * no such content.
     */
    private long linkStatement(
            RepositoryName repository, String kind, String key, String sql, Parameters parameters, Runnable unlink) {
        if (deletesAfter == UNGUARDED) {
            return tx.autoCommit(c -> {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    parameters.bind(ps, 1);
                    return count(ps);
                }
            });
        }
        try {
            return tx.atomically(c -> {
                try (Tombstones.GuardedStore store = Tombstones.guarded(
                        c, sql, lockKeyOf(repository, kind, key), repository, kind, key, deletesAfter)) {
                    parameters.bind(store.statement(), store.firstParameter());
                    return store.count();
                }
            });
        } catch (DeletedSinceException e) {
            unlink.run();
            throw e;
        }
    }

    /**
     * A delete's tombstone, under the key's lock; also prunes tombstones no copy needs any more.
     *
     * @param key the digest of a manifest or blob, the name of a tag
     */
    private static void recordTombstone(Connection c, RepositoryName repository, String kind, String key)
            throws SQLException {
        lockKey(c, repository, kind, key);
        try (PreparedStatement ps = c.prepareStatement(RECORD_TOMBSTONE)) {
            ps.setString(1, repository.value());
            ps.setString(2, kind);
            ps.setString(3, key);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(PRUNE_TOMBSTONES)) {
            ps.executeUpdate();
        }
    }

    /** For a guarded writer: takes the key's lock and refuses content deleted after {@link #deletesAfter}. */
    private void refuseIfDeletedAfter(Connection c, RepositoryName repository, String kind, String key)
            throws SQLException {
        if (deletesAfter == UNGUARDED) {
            return;
        }
        Tombstones.lockThenRefuse(c, lockKeyOf(repository, kind, key), repository, kind, key, deletesAfter);
    }

    private static void lockKey(Connection c, RepositoryName repository, String kind, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Tombstones.LOCK_KEY)) {
            ps.setString(1, lockKeyOf(repository, kind, key));
            ps.execute();
        }
    }

    private static String lockKeyOf(RepositoryName repository, String kind, String key) {
        return kind + " " + repository.value() + "@" + key;
    }

    /** After a statement found no repository row (see {@link RepositoryRows#ENSURE_CTES}): rerun, within bounds. */
    private static void checkRepositoryAttempts(RepositoryName repository, int attempt) {
        if (attempt >= RepositoryRows.ATTEMPTS) {
            throw new IllegalStateException(
                    "repository " + repository + " was neither found nor created in " + attempt + " attempts");
        }
    }

    /** The manifest's digest: the expected one (of any algorithm) when the bytes match it. */
    private static Digest verifiedDigest(ParsedManifest parsed, byte[] content, Digest expected) {
        if (expected == null) {
            return parsed.digest();
        }
        Digest actual =
                expected.algorithm() == parsed.digest().algorithm() ? parsed.digest() : expected.recompute(content);
        if (!actual.equals(expected)) {
            throw new OciException(
                    ErrorCode.DIGEST_INVALID,
                    "manifest content has digest " + actual + ", expected " + expected,
                    Map.of("digest", expected.toString()));
        }
        return expected;
    }

    /** Runs {@link #INSERT_MANIFEST}; false when the repository row was not there to use (rerun). */
    private static boolean insertManifest(
            Connection c,
            RepositoryName repository,
            Digest digest,
            ParsedManifest parsed,
            String annotations,
            byte[] content,
            References references)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_MANIFEST)) {
            int i = 1;
            ps.setString(i++, repository.value());
            ps.setString(i++, repository.value());
            ps.setString(i++, digest.toString());
            ps.setLong(i++, content.length);
            ps.setString(i++, parsed.mediaType());
            ps.setString(i++, digest.toString());
            ps.setString(i++, parsed.mediaType());
            ps.setString(i++, parsed.artifactType());
            ps.setString(i++, parsed.subject().map(s -> s.digest().toString()).orElse(null));
            ps.setString(i++, annotations);
            ps.setBytes(i++, content);
            ps.setLong(i++, content.length);
            ps.setArray(i++, References.textArray(c, references.blobs()));
            ps.setArray(i, References.textArray(c, references.children()));
            return count(ps) > 0;
        }
    }

    private static long count(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static boolean exists(Connection c, String sql, String first, String second) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, first);
            ps.setString(2, second);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static int update(Connection c, String sql, String first, String second) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, first);
            ps.setString(2, second);
            return ps.executeUpdate();
        }
    }

    private static String annotationsJson(Map<String, String> annotations) {
        if (annotations.isEmpty()) {
            return null;
        }
        try {
            return JSON.writeValueAsString(annotations);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings is always serialisable", e);
        }
    }
}
