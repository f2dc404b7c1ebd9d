package io.georeg.testkit.corpus;

import java.nio.file.Path;

/**
 * Writes the generated corpus as OCI image layout directories, one per repository, for
 * {@code georeg import} (used by {@code scripts/demo}; no registry to pull a sample from is
 * reachable, so the sample is generated).
 *
 * <pre>java -cp georeg-testkit.jar io.georeg.testkit.corpus.CorpusMain OUT_DIR [SEED] [BIG_LAYER_BYTES]</pre>
 */
public final class CorpusMain {
    private CorpusMain() {}

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: CorpusMain OUT_DIR [SEED (default " + CorpusGenerator.DEFAULT_SEED
                    + ")] [BIG_LAYER_BYTES (default " + CorpusGenerator.DEFAULT_BIG_LAYER_SIZE + ")]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        long seed = args.length > 1 ? Long.parseLong(args[1]) : CorpusGenerator.DEFAULT_SEED;
        long big = args.length > 2 ? Long.parseLong(args[2]) : CorpusGenerator.DEFAULT_BIG_LAYER_SIZE;
        Corpus corpus = CorpusGenerator.withSeed(seed).bigLayerSize(big).generate();
        OciLayoutWriter.writeAll(corpus, out);
        for (CorpusImage image : corpus.images()) {
            System.out.printf(
                    "%-60s %-45s %s%n",
                    image.pullReference().length() > 60
                            ? image.repository() + "@" + image.digest().hex().substring(0, 12) + "…"
                            : image.pullReference(),
                    image.mediaType(),
                    image.kind());
        }
        System.out.printf(
                "wrote %d repositories (%d bytes) as OCI layouts under %s%n",
                corpus.repositories().size(), corpus.totalBytes(), out.toAbsolutePath());
    }
}
