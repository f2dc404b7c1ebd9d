package io.georeg.replica;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.db.Database;
import io.georeg.db.Transactions;
import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.storage.BlobStore;
import java.io.InputStream;
import java.net.URI;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The replica's read side: registry-read answers every pull and discovery request through it.
 * Each method is one indexed query on an auto-commit connection (no transaction round trips),
 * blob bytes come from {@link BlobStore}. Only visible content exists in the tables: the write
 * side inserts a manifest only when everything it references is stored.
 */
public final class DatabaseReplicaReader implements ReplicaReader {

    private static final String REPOSITORY_EXISTS = """
            SELECT 1 FROM repositories WHERE name = ?
            """;
    /**
     * Three unique-index lookups: repositories(name) and the tags primary key answered from the
     * index alone (their INCLUDE columns, V18: no heap page), then manifests(repository_id, digest)
     * with the row's bytes.
     */
    static final String MANIFEST_BY_TAG = """
            SELECT m.digest, m.media_type, m.content
            FROM repositories r
            JOIN tags t ON t.repository_id = r.id AND t.name = ?
            JOIN manifests m ON m.repository_id = t.repository_id AND m.digest = t.manifest_digest
            WHERE r.name = ?
            """;

    private static final String MANIFEST_BY_DIGEST = """
            SELECT m.digest, m.media_type, m.content
            FROM repositories r
            JOIN manifests m ON m.repository_id = r.id AND m.digest = ?
            WHERE r.name = ?
            """;
    private static final String BLOB_SIZE = """
            SELECT b.size
            FROM repositories r
            JOIN repository_blobs rb ON rb.repository_id = r.id AND rb.digest = ?
            JOIN blobs b ON b.digest = rb.digest AND b.verify_state IN ('unverified', 'ok')
            WHERE r.name = ?
            """;
    /**
     * Keyset pagination on the tags primary key (COLLATE "C": byte order, as distribution sorts).
     * The repository's id is a scalar subquery, not a join: with the id a known constant the
     * planner reads the primary key (repository_id, name) from {@code last} on in order and stops
     * after {@code limit} rows, where a join made it fetch and sort every tag after {@code last}
     * (a page of a repository with 10^5 tags cost as much as the whole list).
     */
    static final String TAGS = """
            SELECT t.name
            FROM tags t
            WHERE t.repository_id = (SELECT r.id FROM repositories r WHERE r.name = ?) AND t.name > ?
            ORDER BY t.name
            LIMIT ?
            """;
    /** {@link #TAGS} with the digest each tag points at (the tag row holds it: no join). */
    static final String TAGGED_DIGESTS = """
            SELECT t.name, t.manifest_digest
            FROM tags t
            WHERE t.repository_id = (SELECT r.id FROM repositories r WHERE r.name = ?) AND t.name > ?
            ORDER BY t.name
            LIMIT ?
            """;

    /** Keyset pages over manifests_repository_digest_key; the two NOT EXISTS use tags_manifest_idx and manifest_children_child_idx. */
    static final String UNTAGGED_MANIFESTS = """
            SELECT m.digest
            FROM manifests m
            WHERE m.repository_id = (SELECT r.id FROM repositories r WHERE r.name = ?) AND m.digest > ?
              AND NOT EXISTS (SELECT 1 FROM tags t
                              WHERE t.repository_id = m.repository_id AND t.manifest_digest = m.digest)
              AND NOT EXISTS (SELECT 1 FROM manifest_children c JOIN manifests p ON p.id = c.manifest_id
                              WHERE c.child_digest = m.digest AND p.repository_id = m.repository_id)
            ORDER BY m.digest
            LIMIT ?
            """;

    private static final String CATALOG = """
            SELECT name FROM repositories
            WHERE name > ?
            ORDER BY name
            LIMIT ?
            """;
    /** One range scan of manifests_referrers_idx. */
    private static final String REFERRERS = """
            SELECT m.media_type, m.digest, m.size, m.artifact_type, m.annotations::text
            FROM repositories r
            JOIN manifests m ON m.repository_id = r.id AND m.subject_digest = ?
            WHERE r.name = ?
            ORDER BY m.digest
            """;

    private static final String REFERRERS_OF_TYPE = """
            SELECT m.media_type, m.digest, m.size, m.artifact_type, m.annotations::text
            FROM repositories r
            JOIN manifests m ON m.repository_id = r.id AND m.subject_digest = ? AND m.artifact_type = ?
            WHERE r.name = ?
            ORDER BY m.digest
            """;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

    /**
     * The channel on which {@link #quarantineBlob} tells the verifier (replicator) that a blob is
     * due for verification now; the payload is the digest.
     */
    public static final String VERIFY_DUE_CHANNEL = "georeg_verify_due";

    /**
     * Marks the blob failed (readers stop serving it; the V5 trigger tells caching readers) and
     * due for verification at once ({@code verified_at} NULL sorts first in the verifier's claim),
     * and wakes the verifier, which confirms the damage and queues the re-copy.
     */
    private static final String QUARANTINE = """
            WITH marked AS (
                UPDATE blobs SET verify_state = 'failed', verify_error = ?, verified_at = NULL,
                                 verify_failures = verify_failures + 1
                 WHERE digest = ?
                RETURNING digest
            )
            SELECT pg_notify('%s', digest) FROM marked
            """.formatted(VERIFY_DUE_CHANNEL);

    private final Transactions tx;
    private final BlobStore blobs;
    private final ReplicaReadOptions options;

    public DatabaseReplicaReader(Database database, BlobStore blobs, ReplicaReadOptions options) {
        this.tx = database.transactions();
        this.blobs = blobs;
        this.options = options;
    }

    @Override
    public boolean repositoryExists(RepositoryName repository) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(REPOSITORY_EXISTS)) {
                ps.setString(1, repository.value());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public Optional<StoredManifest> manifest(RepositoryName repository, Reference reference) {
        String sql;
        String key;
        switch (reference) {
            case Reference.ByTag byTag -> {
                sql = MANIFEST_BY_TAG;
                key = byTag.tag().value();
            }
            case Reference.ByDigest byDigest -> {
                sql = MANIFEST_BY_DIGEST;
                key = byDigest.digest().toString();
            }
        }
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, key);
                ps.setString(2, repository.value());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(
                            new StoredManifest(Digest.parse(rs.getString(1)), rs.getString(2), rs.getBytes(3)));
                }
            }
        });
    }

    /**
     * {@inheritDoc} A blob the verifier found missing or corrupt is not served, so the router
     * falls back to the primary for it until it is copied again.
     */
    @Override
    public Optional<Long> blobSize(RepositoryName repository, Digest digest) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(BLOB_SIZE)) {
                ps.setString(1, digest.toString());
                ps.setString(2, repository.value());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public InputStream openBlob(Digest digest, long offset, long length) {
        return blobs.open(digest, offset, length);
    }

    @Override
    public void quarantineBlob(Digest digest, String evidence) {
        tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(QUARANTINE)) {
                ps.setString(1, evidence.length() > 1000 ? evidence.substring(0, 1000) : evidence);
                ps.setString(2, digest.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public Optional<URI> blobRedirect(Digest digest) {
        if (!options.redirectBlobs()) {
            return Optional.empty();
        }
        return blobs.presignedGet(digest, options.redirectTtl());
    }

    @Override
    public List<Tag> tags(RepositoryName repository, String last, int limit) {
        return tagPage(TAGS, repository, last, limit, rs -> Tag.of(rs.getString(1)));
    }

    @Override
    public List<TaggedDigest> taggedDigests(RepositoryName repository, String last, int limit) {
        return tagPage(
                TAGGED_DIGESTS,
                repository,
                last,
                limit,
                rs -> new TaggedDigest(Tag.of(rs.getString(1)), Digest.parse(rs.getString(2))));
    }

    @Override
    public List<Digest> untaggedManifests(RepositoryName repository, String last, int limit) {
        return tagPage(UNTAGGED_MANIFESTS, repository, last, limit, rs -> Digest.parse(rs.getString(1)));
    }

    /** One keyset page of a repository's tags (or manifests, keyed by digest), each row read by {@code row}. */
    private <T> List<T> tagPage(String sql, RepositoryName repository, String last, int limit, Row<T> row) {
        checkLimit(limit);
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, repository.value());
                ps.setString(2, last == null ? "" : last);
                ps.setInt(3, limit);
                List<T> page = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        page.add(row.read(rs));
                    }
                }
                return page;
            }
        });
    }

    /** Reads one result row. */
    @FunctionalInterface
    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    @Override
    public List<RepositoryName> catalog(String last, int limit) {
        checkLimit(limit);
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(CATALOG)) {
                ps.setString(1, last == null ? "" : last);
                ps.setInt(2, limit);
                List<RepositoryName> names = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        names.add(RepositoryName.of(rs.getString(1)));
                    }
                }
                return names;
            }
        });
    }

    @Override
    public List<Descriptor> referrers(RepositoryName repository, Digest subject, Optional<String> artifactType) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(artifactType.isPresent() ? REFERRERS_OF_TYPE : REFERRERS)) {
                int i = 1;
                ps.setString(i++, subject.toString());
                if (artifactType.isPresent()) {
                    ps.setString(i++, artifactType.get());
                }
                ps.setString(i, repository.value());
                List<Descriptor> referrers = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        referrers.add(new Descriptor(
                                rs.getString(1),
                                Digest.parse(rs.getString(2)),
                                rs.getLong(3),
                                rs.getString(4),
                                annotations(rs.getString(5)),
                                null));
                    }
                }
                return referrers;
            }
        });
    }

    private static void checkLimit(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative (got " + limit + ")");
        }
    }

    private static Map<String, String> annotations(String json) throws SQLException {
        if (json == null) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, STRING_MAP);
        } catch (JsonProcessingException e) {
            throw new SQLException("stored annotations are not a JSON object of strings: " + e.getOriginalMessage(), e);
        }
    }
}
