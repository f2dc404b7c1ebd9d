package io.georeg.replica;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;

/**
 * A guarded store ({@link ReplicaWriter#refusingDeletesAfter}) was refused: the replica applied a
 * delete of this manifest or blob after the generation the copy read before it read the primary,
 * so what the copy holds is older than the delete. Nothing was stored.
 */
public final class DeletedSinceException extends RuntimeException {
    public DeletedSinceException(RepositoryName repository, String kind, Digest digest, long generation) {
        super(kind + " " + repository + "@" + digest + " was deleted from the replica after delete generation "
                + generation);
    }
}
