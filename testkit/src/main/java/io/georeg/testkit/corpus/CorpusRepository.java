package io.georeg.testkit.corpus;

import io.georeg.oci.Digest;
import java.util.List;
import java.util.Map;

/**
 * Everything of one repository of the corpus, in the order a registry accepts it: blobs, then
 * manifests with children before their index and subjects before their referrers, then tags.
 */
public record CorpusRepository(
        String name, List<CorpusBlob> blobs, List<CorpusManifest> manifests, Map<String, Digest> tags) {
    public CorpusRepository {
        blobs = List.copyOf(blobs);
        manifests = List.copyOf(manifests);
        tags = Map.copyOf(tags);
    }
}
