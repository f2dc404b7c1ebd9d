package io.georeg.testkit.corpus;

import io.georeg.oci.Digest;

/** A manifest or index of the corpus: the exact bytes a registry must serve, under their digest. */
public record CorpusManifest(Digest digest, String mediaType, byte[] content) {

    public static CorpusManifest of(String mediaType, byte[] content) {
        return new CorpusManifest(Digest.sha256(content), mediaType, content.clone());
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    public long size() {
        return content.length;
    }
}
