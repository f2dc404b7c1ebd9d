package io.georeg.testkit.corpus;

import java.util.List;
import java.util.NoSuchElementException;

/**
 * A generated test corpus (see {@link CorpusGenerator}): its repositories with their content and
 * the list of images a client can pull from it.
 */
public record Corpus(long seed, List<CorpusRepository> repositories, List<CorpusImage> images) {
    public Corpus {
        repositories = List.copyOf(repositories);
        images = List.copyOf(images);
    }

    public CorpusRepository repository(String name) {
        return repositories.stream()
                .filter(r -> r.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException("no repository " + name + " in the corpus"));
    }

    /** Sends every repository's blobs, manifests and tags to the sink, in registry order. */
    public void replay(CorpusSink sink) {
        for (CorpusRepository repo : repositories) {
            repo.blobs().forEach(b -> sink.blob(repo.name(), b));
            repo.manifests().forEach(m -> sink.manifest(repo.name(), m));
            repo.tags().entrySet().stream()
                    .sorted(java.util.Map.Entry.comparingByKey())
                    .forEach(t -> sink.tag(repo.name(), t.getKey(), t.getValue()));
        }
    }

    /** Total bytes of all blobs and manifests (shared blobs counted once per repository). */
    public long totalBytes() {
        return repositories.stream()
                .mapToLong(r -> r.blobs().stream().mapToLong(CorpusBlob::size).sum()
                        + r.manifests().stream().mapToLong(CorpusManifest::size).sum())
                .sum();
    }
}
