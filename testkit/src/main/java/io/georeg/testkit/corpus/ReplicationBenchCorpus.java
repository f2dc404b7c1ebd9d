package io.georeg.testkit.corpus;

import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The corpus of the replication benchmark ({@code scripts/bench-replication}): 61 images in 20
 * repositories, about 190 MB, the size of the reference {@code skopeo sync} run the issue quotes.
 * Every image shares one 8 MiB base layer (so dedup across repositories is exercised) and has
 * its own 4 KiB, 1 MiB and 2 MiB layers, the row sizes of the read benchmark. Seeded: two runs
 * produce the same digests. Written as OCI layouts, one per repository, tags {@code v1..vN}.
 *
 * <pre>java -cp … io.georeg.testkit.corpus.ReplicationBenchCorpus OUT_DIR [IMAGES]</pre>
 */
public final class ReplicationBenchCorpus {
    public static final int DEFAULT_IMAGES = 61;
    public static final int REPOSITORIES = 20;
    private static final long BASE = 8L * 1024 * 1024;

    private ReplicationBenchCorpus() {
    }

    public static List<CorpusRepository> generate(int images) {
        CorpusBlob base = layer(1_000, BASE);
        Map<String, List<CorpusBlob>> blobs = new LinkedHashMap<>();
        Map<String, List<CorpusManifest>> manifests = new LinkedHashMap<>();
        Map<String, Map<String, Digest>> tags = new LinkedHashMap<>();
        for (int i = 0; i < images; i++) {
            String repo = "bench/repo-" + (i % REPOSITORIES);
            String tag = "v" + (i / REPOSITORIES + 1);
            List<CorpusBlob> layers = List.of(base, layer(i * 10L + 1, 4 * 1024), layer(i * 10L + 2, 1024 * 1024),
                    layer(i * 10L + 3, 2L * 1024 * 1024));
            CorpusBlob config = CorpusBlob.ofBytes(CorpusGenerator.OCI_CONFIG, ManifestJson.imageConfig("linux", "amd64",
                    layers.stream().map(CorpusBlob::digest).toList(), "/bin/image-" + i));
            CorpusManifest manifest = ManifestJson.imageManifest(MediaTypes.OCI_MANIFEST, config, layers, Map.of());
            List<CorpusBlob> repoBlobs = blobs.computeIfAbsent(repo, r -> new ArrayList<>());
            if (!repoBlobs.contains(base)) {
                repoBlobs.add(base);
            }
            repoBlobs.add(config);
            repoBlobs.addAll(layers.subList(1, layers.size()));
            manifests.computeIfAbsent(repo, r -> new ArrayList<>()).add(manifest);
            tags.computeIfAbsent(repo, r -> new LinkedHashMap<>()).put(tag, manifest.digest());
        }
        List<CorpusRepository> out = new ArrayList<>();
        for (String repo : blobs.keySet()) {
            out.add(new CorpusRepository(repo, blobs.get(repo), manifests.get(repo), tags.get(repo)));
        }
        return out;
    }

    /** Uncompressed layers of seeded bytes: the layer's digest is its diff id. */
    private static CorpusBlob layer(long seed, long size) {
        return CorpusBlob.streamed(CorpusGenerator.OCI_LAYER_TAR, () -> new SeededStream(seed, size));
    }

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: ReplicationBenchCorpus OUT_DIR [IMAGES (default " + DEFAULT_IMAGES + ")]");
            System.exit(2);
        }
        int images = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_IMAGES;
        long bytes = 0;
        java.util.Set<Digest> seen = new java.util.HashSet<>();
        for (CorpusRepository repo : generate(images)) {
            OciLayoutWriter.write(repo, Path.of(args[0]).resolve(repo.name()));
            for (CorpusBlob b : repo.blobs()) {
                if (seen.add(b.digest())) {
                    bytes += b.size();
                }
            }
            for (String tag : repo.tags().keySet()) {
                System.out.println("image " + repo.name() + " " + tag);
            }
        }
        System.out.println("bytes " + bytes);
    }
}
