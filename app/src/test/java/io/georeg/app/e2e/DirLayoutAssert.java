package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks a {@code skopeo copy --all … dir:} result against the corpus, byte for byte: the
 * top-level {@code manifest.json}, every child manifest ({@code <hex>.manifest.json}) and every
 * blob file ({@code <hex>}) must hash to what was loaded, and the directory must hold exactly the
 * files the image needs (containers/image's dir transport layout).
 */
final class DirLayoutAssert {
    private DirLayoutAssert() {
    }

    static void assertIdentical(Path dir, CorpusImage image, CorpusRepository repo) throws IOException {
        Map<Digest, CorpusManifest> manifests = new HashMap<>();
        repo.manifests().forEach(m -> manifests.put(m.digest(), m));
        Map<Digest, CorpusBlob> blobs = new HashMap<>();
        repo.blobs().forEach(b -> blobs.put(b.digest(), b));

        CorpusManifest top = manifests.get(image.digest());
        assertThat(Files.readAllBytes(dir.resolve("manifest.json"))).as(image.pullReference() + " manifest.json")
                .isEqualTo(top.content());

        Set<String> expected = new TreeSet<>();
        expected.add("manifest.json");
        expected.add("version");
        expectFiles(top, manifests, expected, true);

        Set<String> actual;
        try (Stream<Path> files = Files.list(dir)) {
            actual = files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("signature"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(actual).as("files skopeo wrote for " + image.pullReference()).isEqualTo(expected);

        for (String name : actual) {
            if (name.equals("manifest.json") || name.equals("version")) {
                continue;
            }
            String hex = name.endsWith(".manifest.json") ? name.substring(0, name.length() - ".manifest.json".length()) : name;
            Digest digest = Digest.parse("sha256:" + hex);
            assertThat(sha256(dir.resolve(name))).as(image.pullReference() + " file " + name).isEqualTo(digest);
            if (name.endsWith(".manifest.json")) {
                assertThat(Files.readAllBytes(dir.resolve(name))).isEqualTo(manifests.get(digest).content());
            } else {
                assertThat(Files.size(dir.resolve(name))).isEqualTo(blobs.get(digest).size());
            }
        }
    }

    private static void expectFiles(CorpusManifest manifest, Map<Digest, CorpusManifest> manifests, Set<String> out, boolean top) {
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

    static Digest sha256(Path file) throws IOException {
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
