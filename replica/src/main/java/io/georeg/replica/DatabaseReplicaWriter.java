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
 */
public final class DatabaseReplicaWriter implements ReplicaWriter {

    private static final String BLOB_STATE = """
            SELECT verify_state::text FROM blobs WHERE digest = ?
            """;
    /** A blob the verifier found missing or corrupt counts as stored again once copied anew. */
    private static final String INSERT_BLOB = """
            INSERT INTO blobs (digest, size, media_type) VALUES (?, ?, ?)
            ON CONFLICT (digest) DO UPDATE
                SET size = EXCLUDED.size, stored_at = now(), verify_state = 'unverified', verify_error = NULL
                WHERE blobs.verify_state IN ('missing', 'failed')
            """;
    private static final String LINK_BLOB = """
            INSERT INTO repository_blobs (repository_id, digest) VALUES (?, ?)
            ON CONFLICT (repository_id, digest) DO NOTHING
            """;
    private static final String UNLINK_BLOB = """
            DELETE FROM repository_blobs rb
            USING repositories r
            WHERE r.id = rb.repository_id AND r.name = ? AND rb.digest = ?
            """;
    private static final String INSERT_MANIFEST = """
            INSERT INTO manifests (repository_id, digest, media_type, artifact_type, subject_digest, annotations, content, size)
            VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?)
            ON CONFLICT (repository_id, digest) DO NOTHING
            RETURNING id
            """;
    private static final String MANIFEST_ID = """
            SELECT id FROM manifests WHERE repository_id = ? AND digest = ?
            """;
    private static final String INSERT_MANIFEST_BLOBS = """
            INSERT INTO manifest_blobs (manifest_id, digest)
            SELECT ?, d FROM unnest(?::text[]) AS d
            ON CONFLICT (manifest_id, digest) DO NOTHING
            """;
    private static final String INSERT_MANIFEST_CHILDREN = """
            INSERT INTO manifest_children (manifest_id, child_digest)
            SELECT ?, d FROM unnest(?::text[]) AS d
            ON CONFLICT (manifest_id, child_digest) DO NOTHING
            """;
    private static final String MANIFEST_REPOSITORY_LOCKED = """
            SELECT m.repository_id
            FROM manifests m
            JOIN repositories r ON r.id = m.repository_id
            WHERE r.name = ? AND m.digest = ?
            FOR KEY SHARE OF m
            """;
    private static final String UPSERT_TAG = """
            INSERT INTO tags (repository_id, name, manifest_digest) VALUES (?, ?, ?)
            ON CONFLICT (repository_id, name) DO UPDATE
                SET manifest_digest = EXCLUDED.manifest_digest, updated_at = now()
                WHERE tags.manifest_digest IS DISTINCT FROM EXCLUDED.manifest_digest
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

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Transactions tx;
    private final BlobStore blobs;
    private final DistributionLinks links;

    public DatabaseReplicaWriter(Database database, BlobStore blobs) {
        this.tx = database.transactions();
        this.blobs = blobs;
        this.links = new DistributionLinks(blobs.objects());
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
        if (state == BlobState.LOST) {
            blobs.delete(digest);
        }
        BlobStore.PutResult stored = blobs.put(digest, size, content);
        links.linkLayer(repository, digest);
        tx.inTransaction(c -> {
            recordBlob(c, digest, stored.size(), null);
            link(c, repository, digest);
            return null;
        });
        return !stored.alreadyPresent();
    }

    /** {@inheritDoc} A blob the verifier marked missing or corrupt is not linked (false): copy it with putBlob. */
    @Override
    public boolean linkBlob(RepositoryName repository, Digest digest) {
        BlobState state = blobState(digest);
        if (state == BlobState.STORED) {
            linkRecordedBlob(repository, digest);
            return true;
        }
        if (state == BlobState.LOST) {
            return false;
        }
        // Bytes in storage without a row (e.g. a write interrupted between the two steps): adopt them.
        Optional<Long> size = blobs.stat(digest);
        if (size.isEmpty()) {
            return false;
        }
        links.linkLayer(repository, digest);
        tx.inTransaction(c -> {
            recordBlob(c, digest, size.get(), null);
            link(c, repository, digest);
            return null;
        });
        return true;
    }

    @Override
    public Digest putManifest(RepositoryName repository, byte[] content, String mediaType, Digest expected) {
        ParsedManifest parsed = ManifestParser.parse(content, mediaType);
        Digest digest = verifiedDigest(parsed, content, expected);
        References references = References.of(parsed);
        List<Digest> missing = tx.read(c -> references.missingIn(c, repository, false));
        if (!missing.isEmpty()) {
            throw new MissingReferencesException(digest, missing);
        }
        // distribution keeps manifests as blobs too: a promoted registry reads them from here.
        if (blobState(digest) == BlobState.LOST) {
            blobs.delete(digest);
        }
        blobs.put(digest, content.length, new ByteArrayInputStream(content));
        links.linkRevision(repository, digest);
        String annotations = annotationsJson(parsed.annotations());
        tx.inTransaction(c -> {
            List<Digest> stillMissing = references.missingIn(c, repository, true);
            if (!stillMissing.isEmpty()) {
                throw new MissingReferencesException(digest, stillMissing);
            }
            long repositoryId = RepositoryRows.ensure(c, repository);
            recordBlob(c, digest, content.length, parsed.mediaType());
            long manifestId = insertManifest(c, repositoryId, digest, parsed, annotations, content);
            insertAll(c, INSERT_MANIFEST_BLOBS, manifestId, references.blobs());
            insertAll(c, INSERT_MANIFEST_CHILDREN, manifestId, references.children());
            return null;
        });
        return digest;
    }

    /**
     * Tags a manifest stored in the repository.
     *
     * @throws MissingReferencesException (listing the manifest) when it is not stored in the repository
     */
    @Override
    public void tag(RepositoryName repository, Tag tag, Digest manifest) {
        if (!tx.read(c -> manifestRepositoryId(c, repository, manifest).isPresent())) {
            throw new MissingReferencesException(manifest, List.of(manifest));
        }
        links.linkTag(repository, tag, manifest);
        tx.inTransaction(c -> {
            long repositoryId = manifestRepositoryId(c, repository, manifest)
                    .orElseThrow(() -> new MissingReferencesException(manifest, List.of(manifest)));
            try (PreparedStatement ps = c.prepareStatement(UPSERT_TAG)) {
                ps.setLong(1, repositoryId);
                ps.setString(2, tag.value());
                ps.setString(3, manifest.toString());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void untag(RepositoryName repository, Tag tag) {
        tx.inTransaction(c -> update(c, DELETE_TAG, repository.value(), tag.value()));
        links.removeTag(repository, tag);
    }

    @Override
    public void deleteManifest(RepositoryName repository, Digest manifest) {
        List<Tag> removedTags = tx.inTransaction(c -> {
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
    }

    @Override
    public void unlinkBlob(RepositoryName repository, Digest digest) {
        tx.inTransaction(c -> update(c, UNLINK_BLOB, repository.value(), digest.toString()));
        links.unlinkLayer(repository, digest);
    }

    private BlobState blobState(Digest digest) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(BLOB_STATE)) {
                ps.setString(1, digest.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return BlobState.UNKNOWN;
                    }
                    String verifyState = rs.getString(1);
                    return "missing".equals(verifyState) || "failed".equals(verifyState) ? BlobState.LOST : BlobState.STORED;
                }
            }
        });
    }

    private void linkRecordedBlob(RepositoryName repository, Digest digest) {
        links.linkLayer(repository, digest);
        tx.inTransaction(c -> {
            link(c, repository, digest);
            return null;
        });
    }

    /** The manifest's digest: the expected one (of any algorithm) when the bytes match it. */
    private static Digest verifiedDigest(ParsedManifest parsed, byte[] content, Digest expected) {
        if (expected == null) {
            return parsed.digest();
        }
        Digest actual = expected.algorithm() == parsed.digest().algorithm() ? parsed.digest() : expected.recompute(content);
        if (!actual.equals(expected)) {
            throw new OciException(ErrorCode.DIGEST_INVALID, "manifest content has digest " + actual + ", expected " + expected,
                    Map.of("digest", expected.toString()));
        }
        return expected;
    }

    private static void recordBlob(Connection c, Digest digest, long size, String mediaType) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_BLOB)) {
            ps.setString(1, digest.toString());
            ps.setLong(2, size);
            ps.setString(3, mediaType);
            ps.executeUpdate();
        }
    }

    private static void link(Connection c, RepositoryName repository, Digest digest) throws SQLException {
        long repositoryId = RepositoryRows.ensure(c, repository);
        try (PreparedStatement ps = c.prepareStatement(LINK_BLOB)) {
            ps.setLong(1, repositoryId);
            ps.setString(2, digest.toString());
            ps.executeUpdate();
        }
    }

    private static long insertManifest(Connection c, long repositoryId, Digest digest, ParsedManifest parsed,
            String annotations, byte[] content) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_MANIFEST)) {
            ps.setLong(1, repositoryId);
            ps.setString(2, digest.toString());
            ps.setString(3, parsed.mediaType());
            ps.setString(4, parsed.artifactType());
            ps.setString(5, parsed.subject().map(s -> s.digest().toString()).orElse(null));
            ps.setString(6, annotations);
            ps.setBytes(7, content);
            ps.setLong(8, content.length);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return rs.getLong(1);
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(MANIFEST_ID)) {
            ps.setLong(1, repositoryId);
            ps.setString(2, digest.toString());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("manifest " + digest + " vanished while it was being stored");
                }
                return rs.getLong(1);
            }
        }
    }

    private static void insertAll(Connection c, String sql, long manifestId, List<Digest> digests) throws SQLException {
        if (digests.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, manifestId);
            ps.setArray(2, c.createArrayOf("text", digests.stream().map(Digest::toString).toArray()));
            ps.executeUpdate();
        }
    }

    private static Optional<Long> manifestRepositoryId(Connection c, RepositoryName repository, Digest manifest)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(MANIFEST_REPOSITORY_LOCKED)) {
            ps.setString(1, repository.value());
            ps.setString(2, manifest.toString());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
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
