package io.georeg.failover.state;

import io.georeg.db.Database;
import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks the images a drill pulls: random tags the replica holds (the {@code tags} table only
 * has tags whose manifest and blobs are all stored, so each is servable by the replica alone).
 */
public final class ReplicatedSample {

    private static final String SAMPLE = """
            SELECT r.name AS repository, t.name AS tag, t.manifest_digest::text AS digest
            FROM tags t JOIN repositories r ON r.id = t.repository_id
            ORDER BY random()
            LIMIT ?
            """;

    private final Database database;

    public ReplicatedSample(Database database) {
        this.database = database;
    }

    public List<ReplicatedImage> pick(int count) {
        return database.transactions().read(c -> {
            try (PreparedStatement ps = c.prepareStatement(SAMPLE)) {
                ps.setInt(1, count);
                try (ResultSet rs = ps.executeQuery()) {
                    List<ReplicatedImage> images = new ArrayList<>();
                    while (rs.next()) {
                        images.add(new ReplicatedImage(
                                RepositoryName.of(rs.getString("repository")),
                                Tag.of(rs.getString("tag")),
                                Digest.parse(rs.getString("digest"))));
                    }
                    return images;
                }
            }
        });
    }
}
