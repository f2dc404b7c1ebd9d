package io.georeg.replica;

import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.ParsedManifest;
import io.georeg.oci.RepositoryName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
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

    private static final String PRESENT_BLOBS = """
            SELECT rb.digest
            FROM repository_blobs rb
            JOIN repositories r ON r.id = rb.repository_id
            WHERE r.name = ? AND rb.digest = ANY (?::text[])
            """;
    private static final String PRESENT_CHILDREN = """
            SELECT m.digest
            FROM manifests m
            JOIN repositories r ON r.id = m.repository_id
            WHERE r.name = ? AND m.digest = ANY (?::text[])
            """;
    /**
     * Inside the writing transaction the rows found are share-locked, so a concurrent unlink or
     * delete waits until the manifest that needs them is committed.
     */
    private static final String LOCK = "FOR KEY SHARE OF ";

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
        List<Digest> missing = new ArrayList<>();
        missing.addAll(absent(c, lock ? PRESENT_BLOBS + LOCK + "rb" : PRESENT_BLOBS, repository, blobs));
        missing.addAll(absent(c, lock ? PRESENT_CHILDREN + LOCK + "m" : PRESENT_CHILDREN, repository, children));
        return missing;
    }

    private static List<Digest> absent(Connection c, String sql, RepositoryName repository, List<Digest> wanted)
            throws SQLException {
        if (wanted.isEmpty()) {
            return List.of();
        }
        Set<String> present = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, repository.value());
            ps.setArray(2, c.createArrayOf("text", wanted.stream().map(Digest::toString).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    present.add(rs.getString(1));
                }
            }
        }
        return wanted.stream().filter(d -> !present.contains(d.toString())).toList();
    }
}
