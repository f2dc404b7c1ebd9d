package io.georeg.oci;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What georeg needs to know of a manifest to store and serve it: its media type, the blobs it
 * needs (config and layers), the child manifests it needs (index entries), and the referrers
 * metadata of the OCI distribution spec ("Listing Referrers": artifactType, subject, annotations).
 * The raw bytes are kept alongside, never re-serialised: the digest is over the bytes.
 */
public record ParsedManifest(
        Digest digest,
        String mediaType,
        String artifactType,
        Optional<Descriptor> subject,
        Optional<Descriptor> config,
        List<Descriptor> layers,
        List<Descriptor> children,
        Map<String, String> annotations) {

    public ParsedManifest {
        layers = List.copyOf(layers);
        children = List.copyOf(children);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }

    /** Config plus layers: every blob this manifest needs stored before it may become visible. */
    public List<Descriptor> blobs() {
        return config.map(c -> {
                    var all = new java.util.ArrayList<Descriptor>(layers.size() + 1);
                    all.add(c);
                    all.addAll(layers);
                    return List.copyOf(all);
                })
                .orElse(layers);
    }
}
