package io.georeg.replica;

import io.georeg.oci.RepositoryName;

/**
 * A guarded store ({@link ReplicaWriter#refusingDeletesAfter}) was refused: the replica applied a
 * delete of this manifest, blob or tag after the generation the copy read before it read the primary,
 * so what the copy holds is older than the delete. Nothing was stored.
 */
public final class DeletedSinceException extends RuntimeException {
    /** @param key the digest of a manifest or blob, the name of a tag */
    public DeletedSinceException(RepositoryName repository, String kind, String key, long generation) {
        super(kind + " " + repository + "@" + key + " was deleted from the replica after delete generation "
                + generation);
    }
}
