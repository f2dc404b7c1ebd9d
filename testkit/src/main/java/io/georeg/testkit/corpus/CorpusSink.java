package io.georeg.testkit.corpus;

import io.georeg.oci.Digest;

/**
 * Where {@link Corpus#replay} sends the corpus, in registry order (blobs, manifests, tags). The
 * app module adapts it to the replica's {@code ReplicaWriter}; testkit cannot name that interface
 * itself because the replica module's own tests depend on testkit.
 */
public interface CorpusSink {
    void blob(String repository, CorpusBlob blob);

    void manifest(String repository, CorpusManifest manifest);

    void tag(String repository, String tag, Digest manifest);
}
