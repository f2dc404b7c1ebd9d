package io.georeg.app.e2e;

import io.georeg.oci.Digest;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.ParsedManifest;
import io.georeg.testkit.corpus.Corpus;
import io.georeg.testkit.corpus.CorpusGenerator;
import io.georeg.testkit.corpus.CorpusImage;
import io.georeg.testkit.corpus.CorpusManifest;
import io.georeg.testkit.corpus.CorpusRepository;
import io.georeg.testkit.corpus.OciLayoutWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.NoSuchElementException;

/**
 * The seeded test corpus (its large layer 1 MiB) written as one OCI layout per repository under
 * {@code root}: what the end-to-end and client tests push with skopeo, and the bytes they compare
 * what came back with, looked up by repository and digest.
 */
record CorpusLayouts(Corpus corpus, Path root) {
    static CorpusLayouts write(Path root) {
        Corpus corpus = CorpusGenerator.withSeed(CorpusGenerator.DEFAULT_SEED)
                .bigLayerSize(1024 * 1024)
                .generate();
        OciLayoutWriter.writeAll(corpus, root);
        return new CorpusLayouts(corpus, root);
    }

    /** The OCI layout of a corpus repository, e.g. {@code team/multiarch}. */
    Path layout(String repository) {
        return root.resolve(repository);
    }

    /** The corpus image a repository's tag names. */
    CorpusImage image(String repository, String tag) {
        return corpus.images().stream()
                .filter(i -> i.repository().equals(repository) && i.reference().equals(tag))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException("no image " + repository + ":" + tag + " in the corpus"));
    }

    CorpusRepository repository(String name) {
        return corpus.repository(name);
    }

    /** The stored bytes of a manifest of the repository. */
    byte[] manifestBytes(String repository, Digest digest) {
        return corpusManifest(repository, digest).content();
    }

    ParsedManifest manifest(String repository, Digest digest) {
        CorpusManifest m = corpusManifest(repository, digest);
        return ManifestParser.parse(m.content(), m.mediaType());
    }

    /** The image of {@code architecture} (linux) in an index of the repository. */
    ParsedManifest platformImage(String repository, Digest index, String architecture) {
        return manifest(
                repository,
                manifest(repository, index).children().stream()
                        .filter(c -> c.platform() != null
                                && architecture.equals(c.platform().architecture()))
                        .findFirst()
                        .orElseThrow(() -> new NoSuchElementException("no " + architecture + " image in " + index))
                        .digest());
    }

    /** The bytes of a blob (config or layer) of the repository. */
    byte[] blob(String repository, Digest digest) {
        try (InputStream in = corpus.repository(repository).blobs().stream()
                .filter(b -> b.digest().equals(digest))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException("no blob " + digest + " in " + repository))
                .open()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private CorpusManifest corpusManifest(String repository, Digest digest) {
        return corpus.repository(repository).manifests().stream()
                .filter(m -> m.digest().equals(digest))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException("no manifest " + digest + " in " + repository));
    }
}
