package io.georeg.testkit.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusGeneratorTest {

    @Test
    void sameSeedGivesSameDigestsAndOtherSeedGivesOthers() {
        List<CorpusImage> a =
                CorpusGenerator.withSeed(7).bigLayerSize(4096).generate().images();
        List<CorpusImage> b =
                CorpusGenerator.withSeed(7).bigLayerSize(4096).generate().images();
        List<CorpusImage> c =
                CorpusGenerator.withSeed(8).bigLayerSize(4096).generate().images();
        assertThat(a)
                .extracting(CorpusImage::digest)
                .isEqualTo(b.stream().map(CorpusImage::digest).toList());
        assertThat(a.get(0).digest()).isNotEqualTo(c.get(0).digest());
    }

    @Test
    void everyBlobHashesToItsDigestAndSize() throws IOException {
        Corpus corpus = CorpusGenerator.withSeed(1).bigLayerSize(1_000_003).generate();
        for (CorpusRepository repo : corpus.repositories()) {
            for (CorpusBlob blob : repo.blobs()) {
                byte[] bytes;
                try (InputStream in = blob.open()) {
                    bytes = in.readAllBytes();
                }
                assertThat(bytes).hasSize((int) blob.size());
                assertThat(Digest.sha256(bytes)).isEqualTo(blob.digest());
            }
        }
    }

    @Test
    void coversEveryContentKindTheIssueAsksFor() {
        Corpus corpus = CorpusGenerator.withSeed(2).bigLayerSize(4096).generate();
        assertThat(corpus.images())
                .extracting(CorpusImage::mediaType)
                .contains(
                        "application/vnd.oci.image.manifest.v1+json",
                        "application/vnd.oci.image.index.v1+json",
                        "application/vnd.docker.distribution.manifest.v2+json",
                        "application/vnd.docker.distribution.manifest.list.v2+json");
        assertThat(corpus.images()).extracting(CorpusImage::kind).anyMatch(k -> k.contains("subject"));
        Digest base = corpus.repository("library/alpine").blobs().stream()
                .filter(b -> b.mediaType().endsWith("tar+gzip"))
                .findFirst()
                .orElseThrow()
                .digest();
        assertThat(corpus.repository("library/app").blobs())
                .extracting(CorpusBlob::digest)
                .contains(base);
        assertThat(corpus.repository("team/multiarch").blobs())
                .extracting(CorpusBlob::digest)
                .contains(base);
    }

    @Test
    void seededStreamBytesDoNotDependOnReadChunking() throws IOException {
        byte[] whole;
        try (InputStream in = new SeededStream(99, 1001)) {
            whole = in.readAllBytes();
        }
        byte[] pieces = new byte[1001];
        try (InputStream in = new SeededStream(99, 1001)) {
            int pos = 0;
            int[] chunks = {1, 3, 7, 13, 500};
            int i = 0;
            while (pos < pieces.length) {
                int want = Math.min(chunks[i++ % chunks.length], pieces.length - pos);
                if (want == 1) {
                    pieces[pos++] = (byte) in.read();
                } else {
                    pos += in.read(pieces, pos, want);
                }
            }
        }
        assertThat(pieces).isEqualTo(whole);
    }

    @Test
    void ociLayoutListsTaggedAndReferrerManifestsWithTheirBlobs(@TempDir Path dir) throws IOException {
        Corpus corpus = CorpusGenerator.withSeed(3).bigLayerSize(4096).generate();
        OciLayoutWriter.writeAll(corpus, dir);
        Path alpine = dir.resolve("library/alpine");
        String index = Files.readString(alpine.resolve("index.json"));
        assertThat(index).contains("\"org.opencontainers.image.ref.name\":\"3.19\"", "\"latest\"");
        for (CorpusImage image : corpus.images()) {
            Path blob = dir.resolve(image.repository())
                    .resolve("blobs/sha256")
                    .resolve(image.digest().hex());
            assertThat(Digest.sha256(Files.readAllBytes(blob))).isEqualTo(image.digest());
        }
        assertThat(Files.readString(alpine.resolve("oci-layout"))).contains("1.0.0");
    }

    @Test
    void anotherJvmGeneratesTheSameBytes(@TempDir Path dir) throws Exception {
        // Map iteration order of Map.of changes between JVM runs: only a second JVM catches it.
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(
                        javaBin,
                        "-cp",
                        System.getProperty("java.class.path"),
                        CorpusMain.class.getName(),
                        dir.resolve("child").toString(),
                        "11",
                        "4096")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile())
                .start();
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("child.log"))).isZero();
        OciLayoutWriter.writeAll(CorpusGenerator.withSeed(11).bigLayerSize(4096).generate(), dir.resolve("here"));
        for (String repo : List.of("library/alpine", "library/app", "team/multiarch", "team/legacy", "big/layer")) {
            assertThat(Files.readString(dir.resolve("child").resolve(repo).resolve("index.json")))
                    .as(repo)
                    .isEqualTo(
                            Files.readString(dir.resolve("here").resolve(repo).resolve("index.json")));
            try (var child = Files.list(dir.resolve("child").resolve(repo).resolve("blobs/sha256"));
                    var here = Files.list(dir.resolve("here").resolve(repo).resolve("blobs/sha256"))) {
                assertThat(child.map(f -> f.getFileName().toString()).sorted().toList())
                        .isEqualTo(here.map(f -> f.getFileName().toString())
                                .sorted()
                                .toList());
            }
        }
    }
}
