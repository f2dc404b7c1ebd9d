package io.georeg.testkit.corpus;

import io.georeg.oci.Digest;

/**
 * One pullable thing of the corpus: {@code repository:reference} (a tag, or a digest for an
 * untagged referrer), the manifest digest it resolves to, and what kind of content it is.
 */
public record CorpusImage(String repository, String reference, Digest digest, String mediaType, String kind) {

    /** The reference as a client writes it after the host: {@code repo:tag} or {@code repo@sha256:...}. */
    public String pullReference() {
        return reference.contains(":") ? repository + "@" + reference : repository + ":" + reference;
    }
}
