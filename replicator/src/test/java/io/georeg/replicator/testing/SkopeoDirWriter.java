package io.georeg.replicator.testing;

import io.georeg.oci.Digest;
import io.georeg.testkit.corpus.CorpusBlob;
import io.georeg.testkit.corpus.CorpusManifest;
import io.georeg.testkit.corpus.CorpusRepository;
import io.georeg.testkit.tools.Skopeo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes one tag of a corpus repository in skopeo's {@code dir:} format (containers/image
 * {@code dir} transport 1.1: {@code version}, {@code manifest.json}, {@code <hex>.manifest.json}
 * per index child, {@code <hex>} per blob). Used instead of an OCI layout because skopeo 1.9's
 * {@code oci:} source only finds OCI-typed manifests, and the corpus has Docker ones too.
 */
public final class SkopeoDirWriter {
    private SkopeoDirWriter() {}

    /**
     * Writes {@code repo}'s {@code tag} below {@code scratch} and has skopeo push it, with every
     * manifest of an index, to {@code destination} ({@code host:port/repository:tag}) over plain HTTP.
     */
    public static void push(Skopeo skopeo, CorpusRepository repo, String tag, Path scratch, String destination) {
        Path dir = scratch.resolve(repo.name()).resolve(tag);
        skopeo.run(
                        List.of(
                                "copy",
                                "--all",
                                "--dest-tls-verify=false",
                                "dir:" + write(repo, tag, dir),
                                "docker://" + destination),
                        Skopeo.DEFAULT_TIMEOUT)
                .requireSuccess();
    }

    /** Writes {@code repo}'s {@code tag} to {@code dir} (created) and returns it. */
    public static Path write(CorpusRepository repo, String tag, Path dir) {
        Digest top = repo.tags().get(tag);
        if (top == null) {
            throw new IllegalArgumentException(repo.name() + " has no tag " + tag);
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("version"), "Directory Transport Version: 1.1\n");
            for (CorpusManifest m : repo.manifests()) {
                Files.write(
                        dir.resolve(
                                m.digest().equals(top)
                                        ? "manifest.json"
                                        : m.digest().hex() + ".manifest.json"),
                        m.content());
            }
            for (CorpusBlob blob : repo.blobs()) {
                Path target = dir.resolve(blob.digest().hex());
                if (!Files.exists(target)) {
                    try (InputStream in = blob.open()) {
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
