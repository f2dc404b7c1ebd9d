package io.georeg.replica;

import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.ParsedManifest;
import io.georeg.oci.RepositoryName;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a manifest needs stored in its repository before it may become visible: its blobs
 * (config and layers, linked to the repository) and its children (index entries, stored as
 * manifests of the repository). The subject is not required (OCI distribution spec, "Pushing
 * Manifests with Subject"). Used by {@link DatabaseReplicaWriter}.
 */
record References(List<Digest> blobs, List<Digest> children) {

    /**
     * The absent references in one statement, blobs first, each kind in manifest order.
     * Parameters: repository name, blobs, children, blobs, children. {@code %s} is the locking
     * clause of the present rows: inside the writing transaction they are share-locked, so a
     * concurrent unlink or delete waits until the manifest that needs them is committed (and one
     * that got there first makes the row count as absent).
     */
    private static final String ABSENT = """
            WITH r AS (SELECT id FROM repositories WHERE name = ?),
            present_blobs AS (
                SELECT rb.digest FROM repository_blobs rb JOIN r ON rb.repository_id = r.id
                WHERE rb.digest = ANY (?::text[]) %s),
            present_children AS (
                SELECT m.digest FROM manifests m JOIN r ON m.repository_id = r.id
                WHERE m.digest = ANY (?::text[]) %s)
            SELECT 1 AS kind, w.ord, w.d FROM unnest(?::text[]) WITH ORDINALITY AS w (d, ord)
            WHERE w.d NOT IN (SELECT digest FROM present_blobs)
            UNION ALL
            SELECT 2, w.ord, w.d FROM unnest(?::text[]) WITH ORDINALITY AS w (d, ord)
            WHERE w.d NOT IN (SELECT digest FROM present_children)
            ORDER BY 1, 2
            """;

    private static final String ABSENT_UNLOCKED = ABSENT.formatted("", "");
    private static final String ABSENT_LOCKED = ABSENT.formatted("FOR KEY SHARE OF rb", "FOR KEY SHARE OF m");

    static References of(ParsedManifest manifest) {
        Set<Digest> blobs = new LinkedHashSet<>();
        for (Descriptor d : manifest.blobs()) {
            if (!isForeign(d)) {
                blobs.add(d.digest());
            }
        }
        Set<Digest> children = new LinkedHashSet<>();
        for (Descriptor d : manifest.children()) {
            children.add(d.digest());
        }
        return new References(List.copyOf(blobs), List.copyOf(children));
    }

    /**
     * Foreign and non-distributable layers (Windows base layers) are fetched by clients from
     * their URLs, never stored by a registry; distribution does not require them either.
     */
    private static boolean isForeign(Descriptor d) {
        String type = d.mediaType() == null ? "" : d.mediaType().toLowerCase(Locale.ROOT);
        return type.contains(".foreign.") || type.contains("nondistributable");
    }

    /** References not stored in the repository, blobs first; locks the present ones when {@code lock}. */
    List<Digest> missingIn(Connection c, RepositoryName repository, boolean lock) throws SQLException {
        if (blobs.isEmpty() && children.isEmpty()) {
            return List.of();
        }
        List<Digest> missing = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(lock ? ABSENT_LOCKED : ABSENT_UNLOCKED)) {
            Array blobArray = textArray(c, blobs);
            Array childArray = textArray(c, children);
            ps.setString(1, repository.value());
            ps.setArray(2, blobArray);
            ps.setArray(3, childArray);
            ps.setArray(4, blobArray);
            ps.setArray(5, childArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    missing.add(Digest.parse(rs.getString(3)));
                }
            }
        }
        return missing;
    }

    static Array textArray(Connection c, List<Digest> digests) throws SQLException {
        return c.createArrayOf("text", digests.stream().map(Digest::toString).toArray());
    }
}
