package io.georeg.testkit.tools;

import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.ParsedManifest;
import io.georeg.testkit.corpus.CorpusBlob;
import io.georeg.testkit.corpus.CorpusImage;
import io.georeg.testkit.corpus.CorpusManifest;
import io.georeg.testkit.corpus.CorpusRepository;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Compares what {@code skopeo copy --all … dir:<d>} wrote with the corpus, byte for byte:
 * {@code manifest.json} is the image's stored manifest, every child manifest
 * ({@code <hex>.manifest.json}) and blob ({@code <hex>}) hashes to its name and matches the corpus,
 * and the directory holds exactly the files the image needs (containers/image's dir transport).
 * Returns the differences instead of asserting, so any test framework can report them.
 */
public final class SkopeoDirCheck {
    private SkopeoDirCheck() {}

    /** Every difference between {@code dir} and the corpus image; empty when identical. */
    public static List<String> differences(Path dir, CorpusImage image, CorpusRepository repo) {
        Map<Digest, CorpusManifest> manifests = new HashMap<>();
        repo.manifests().forEach(m -> manifests.put(m.digest(), m));
        Map<Digest, CorpusBlob> blobs = new HashMap<>();
        repo.blobs().forEach(b -> blobs.put(b.digest(), b));
        List<String> out = new ArrayList<>();
        String what = image.pullReference();
        try {
            CorpusManifest top = manifests.get(image.digest());
            if (!Arrays.equals(Files.readAllBytes(dir.resolve("manifest.json")), top.content())) {
                out.add(what + ": manifest.json differs from the stored manifest " + top.digest());
            }
            Set<String> expected = new TreeSet<>(List.of("manifest.json", "version"));
            expectFiles(top, manifests, expected, true);
            Set<String> actual;
            try (Stream<Path> files = Files.list(dir)) {
                actual = files.map(p -> p.getFileName().toString())
                        .filter(n -> !n.startsWith("signature"))
                        .collect(Collectors.toCollection(TreeSet::new));
            }
            if (!actual.equals(expected)) {
                out.add(what + ": files " + actual + " but expected " + expected);
            }
            for (String name : actual) {
                if (name.equals("manifest.json") || name.equals("version") || !expected.contains(name)) {
                    continue;
                }
                boolean manifest = name.endsWith(".manifest.json");
                Digest digest = Digest.parse(
                        "sha256:" + (manifest ? name.substring(0, name.length() - ".manifest.json".length()) : name));
                Path file = dir.resolve(name);
                if (!sha256(file).equals(digest)) {
                    out.add(what + ": " + name + " does not hash to its name");
                } else if (manifest
                        ? !Arrays.equals(
                                Files.readAllBytes(file), manifests.get(digest).content())
                        : Files.size(file) != blobs.get(digest).size()) {
                    out.add(what + ": " + name + " differs from the corpus");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir, e);
        }
        return out;
    }

    private static void expectFiles(
            CorpusManifest manifest, Map<Digest, CorpusManifest> manifests, Set<String> out, boolean top) {
        ParsedManifest parsed = ManifestParser.parse(manifest.content(), manifest.mediaType());
        if (!top) {
            out.add(manifest.digest().hex() + ".manifest.json");
        }
        for (Descriptor blob : parsed.blobs()) {
            out.add(blob.digest().hex());
        }
        for (Descriptor child : parsed.children()) {
            expectFiles(manifests.get(child.digest()), manifests, out, false);
        }
    }

    /** The SHA-256 of a file, streamed. */
    public static Digest sha256(Path file) throws IOException {
        MessageDigest sha = Digest.Algorithm.SHA256.newMessageDigest();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
            }
        }
        return Digest.of(Digest.Algorithm.SHA256, sha.digest());
    }
}
