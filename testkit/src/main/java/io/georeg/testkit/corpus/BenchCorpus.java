package io.georeg.testkit.corpus;

import io.georeg.oci.MediaTypes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The corpus of the read benchmarks ({@code scripts/bench-read}): one image {@code bench/app:latest}
 * whose layers have the sizes the benchmark rows measure — 4 KiB, 1 MiB and 256 MiB — so that
 * distribution, registry-read and nginx serve exactly the same bytes. Seeded, so two runs
 * produce the same digests.
 *
 * <pre>java -cp … io.georeg.testkit.corpus.BenchCorpus OUT_DIR [BIG_BYTES]</pre>
 */
public final class BenchCorpus {
    public static final String REPOSITORY = "bench/app";
    public static final String TAG = "latest";
    public static final long SMALL = 4 * 1024;
    public static final long MEDIUM = 1024 * 1024;
    public static final long BIG = 256L * 1024 * 1024;

    private BenchCorpus() {}

    public static CorpusRepository generate(long bigBytes) {
        CorpusBlob small = layer(1, SMALL);
        CorpusBlob medium = layer(2, MEDIUM);
        CorpusBlob big = layer(3, bigBytes);
        CorpusBlob config = CorpusBlob.ofBytes(
                CorpusGenerator.OCI_CONFIG,
                ManifestJson.imageConfig(
                        "linux", "amd64", List.of(small.digest(), medium.digest(), big.digest()), "/bin/true"));
        CorpusManifest manifest =
                ManifestJson.imageManifest(MediaTypes.OCI_MANIFEST, config, List.of(small, medium, big), Map.of());
        return new CorpusRepository(
                REPOSITORY, List.of(config, small, medium, big), List.of(manifest), Map.of(TAG, manifest.digest()));
    }

    /** Uncompressed layers of seeded bytes: the layer's digest is its diff id. */
    private static CorpusBlob layer(long seed, long size) {
        return CorpusBlob.streamed(CorpusGenerator.OCI_LAYER_TAR, () -> new SeededStream(seed, size));
    }

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: BenchCorpus OUT_DIR [BIG_LAYER_BYTES (default " + BIG + ")]");
            System.exit(2);
        }
        long big = args.length > 1 ? Long.parseLong(args[1]) : BIG;
        CorpusRepository repo = generate(big);
        OciLayoutWriter.write(repo, Path.of(args[0]));
        System.out.println("manifest " + repo.tags().get(TAG));
        for (CorpusBlob blob : repo.blobs()) {
            System.out.println("blob " + blob.size() + " " + blob.digest());
        }
    }
}
