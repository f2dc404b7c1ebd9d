package io.georeg.failover.state;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;

/** A tag the replica holds, with the manifest digest it points at there. */
public record ReplicatedImage(RepositoryName repository, Tag tag, Digest digest) {
    @Override
    public String toString() {
        return repository + ":" + tag.value() + "@" + digest;
    }
}
