package io.georeg.replica;

import io.georeg.oci.Digest;
import java.util.List;

/** A manifest cannot become visible yet: the listed blobs or child manifests are not stored. */
public class MissingReferencesException extends RuntimeException {
    private final transient List<Digest> missing;

    public MissingReferencesException(Digest manifest, List<Digest> missing) {
        super("manifest " + manifest + " references content that is not stored yet: " + missing);
        this.missing = List.copyOf(missing);
    }

    public List<Digest> missing() {
        return missing;
    }
}
