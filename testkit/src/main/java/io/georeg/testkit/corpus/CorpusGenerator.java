package io.georeg.testkit.corpus;

import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Generates the test corpus of issue 2, deterministically from a seed: every byte and so every
 * digest depends only on the seed and the large layer's size.
 *
 * <ul>
 *   <li>{@code library/alpine}: an OCI image tagged {@code 3.19} and {@code latest}, with two OCI
 *       1.1 artifacts whose {@code subject} is that image (an SPDX SBOM and a signature), untagged
 *       and found through the referrers API;</li>
 *   <li>{@code library/app}: a Docker schema 2 image sharing its base layer with alpine;</li>
 *   <li>{@code team/multiarch}: an OCI image index of linux/amd64 and linux/arm64 images;</li>
 *   <li>{@code team/legacy}: a Docker manifest list of two Docker schema 2 images;</li>
 *   <li>{@code big/layer}: an OCI image with one large uncompressed tar layer (100 MiB by default),
 *       streamed, never held in memory.</li>
 * </ul>
 * The base layer is the same blob in every repository, as registries dedupe it.
 */
public final class CorpusGenerator {
    public static final long DEFAULT_SEED = 42;
    public static final long DEFAULT_BIG_LAYER_SIZE = 100L * 1024 * 1024;
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String SBOM_TYPE = "application/spdx+json";
    public static final String SIGNATURE_TYPE = "application/vnd.dev.cosign.artifact.sig.v1+json";

    private final long seed;
    private final long bigLayerSize;

    private CorpusGenerator(long seed, long bigLayerSize) {
        this.seed = seed;
        this.bigLayerSize = bigLayerSize;
    }

    public static CorpusGenerator withSeed(long seed) {
        return new CorpusGenerator(seed, DEFAULT_BIG_LAYER_SIZE);
    }

    public CorpusGenerator bigLayerSize(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bigLayerSize must be >= 0");
        }
        return new CorpusGenerator(seed, bytes);
    }

    public Corpus generate() {
        SplittableRandom random = new SplittableRandom(seed);
        List<CorpusRepository> repos = new ArrayList<>();
        List<CorpusImage> images = new ArrayList<>();
        Layer base = Layer.gzip("base/os-release", random, OCI_LAYER_GZIP);

        // library/alpine: OCI image + SBOM and signature referrers.
        {
            Repo repo = new Repo("library/alpine");
            Layer tools = Layer.gzip("usr/bin/tools", random, OCI_LAYER_GZIP);
            CorpusManifest image =
                    repo.image(MediaTypes.OCI_MANIFEST, OCI_CONFIG, "linux", "amd64", List.of(base, tools), "/bin/sh");
            repo.tag("3.19", image).tag("latest", image);
            images.add(new CorpusImage(repo.name, "3.19", image.digest(), image.mediaType(), "OCI image"));
            images.add(
                    new CorpusImage(repo.name, "latest", image.digest(), image.mediaType(), "OCI image, second tag"));
            CorpusBlob empty =
                    repo.blob(CorpusBlob.ofBytes(MediaTypes.OCI_EMPTY, "{}".getBytes(StandardCharsets.US_ASCII)));
            CorpusBlob sbomBody = repo.blob(CorpusBlob.ofBytes(
                    SBOM_TYPE,
                    ManifestJson.bytes(ManifestJson.ordered(
                            "spdxVersion",
                            "SPDX-2.3",
                            "name",
                            "library/alpine",
                            "SPDXID",
                            "SPDXRef-DOCUMENT",
                            "packages",
                            List.of(ManifestJson.ordered(
                                    "name", "busybox", "versionInfo", "1.36." + random.nextInt(10)))))));
            CorpusManifest sbom = repo.manifest(ManifestJson.artifact(
                    SBOM_TYPE,
                    empty,
                    List.of(sbomBody),
                    image,
                    Map.of("org.opencontainers.image.created", "2024-01-01T00:00:00Z")));
            CorpusBlob sigBody = repo.blob(CorpusBlob.ofBytes(
                    SIGNATURE_TYPE,
                    ManifestJson.bytes(ManifestJson.ordered(
                            "critical",
                            ManifestJson.ordered(
                                    "image",
                                    Map.of(
                                            "docker-manifest-digest",
                                            image.digest().toString()),
                                    "type",
                                    "cosign container image signature")))));
            CorpusManifest sig = repo.manifest(ManifestJson.artifact(
                    SIGNATURE_TYPE,
                    empty,
                    List.of(sigBody),
                    image,
                    Map.of("dev.cosignproject.cosign/signature", Long.toHexString(random.nextLong()))));
            images.add(new CorpusImage(
                    repo.name,
                    sbom.digest().toString(),
                    sbom.digest(),
                    sbom.mediaType(),
                    "SBOM artifact with subject"));
            images.add(new CorpusImage(
                    repo.name,
                    sig.digest().toString(),
                    sig.digest(),
                    sig.mediaType(),
                    "signature artifact with subject"));
            repos.add(repo.build());
        }
        // library/app: Docker schema 2 image sharing the base layer.
        {
            Repo repo = new Repo("library/app");
            Layer app = Layer.gzip("app/server", random, DOCKER_LAYER);
            CorpusManifest image = repo.image(
                    MediaTypes.DOCKER_MANIFEST,
                    DOCKER_CONFIG,
                    "linux",
                    "amd64",
                    List.of(base.as(DOCKER_LAYER), app),
                    "/app/server");
            repo.tag("1.0", image);
            images.add(new CorpusImage(repo.name, "1.0", image.digest(), image.mediaType(), "Docker schema 2 image"));
            repos.add(repo.build());
        }
        // team/multiarch: OCI index of two platforms.
        {
            Repo repo = new Repo("team/multiarch");
            List<Map<String, Object>> children = new ArrayList<>();
            for (String arch : List.of("amd64", "arm64")) {
                Layer own = Layer.gzip("opt/" + arch + "/bin", random, OCI_LAYER_GZIP);
                CorpusManifest child =
                        repo.image(MediaTypes.OCI_MANIFEST, OCI_CONFIG, "linux", arch, List.of(base, own), "/opt/bin");
                children.add(ManifestJson.withPlatform(ManifestJson.descriptor(child), "linux", arch));
            }
            CorpusManifest index = repo.manifest(ManifestJson.index(MediaTypes.OCI_INDEX, children));
            repo.tag("v1", index);
            images.add(new CorpusImage(repo.name, "v1", index.digest(), index.mediaType(), "multi-arch OCI index"));
            repos.add(repo.build());
        }
        // team/legacy: Docker manifest list of two platforms.
        {
            Repo repo = new Repo("team/legacy");
            List<Map<String, Object>> children = new ArrayList<>();
            for (String arch : List.of("amd64", "arm64")) {
                Layer own = Layer.gzip("srv/" + arch, random, DOCKER_LAYER);
                CorpusManifest child = repo.image(
                        MediaTypes.DOCKER_MANIFEST,
                        DOCKER_CONFIG,
                        "linux",
                        arch,
                        List.of(base.as(DOCKER_LAYER), own),
                        "/srv/run");
                children.add(ManifestJson.withPlatform(ManifestJson.descriptor(child), "linux", arch));
            }
            CorpusManifest list = repo.manifest(ManifestJson.index(MediaTypes.DOCKER_MANIFEST_LIST, children));
            repo.tag("v2", list);
            images.add(new CorpusImage(repo.name, "v2", list.digest(), list.mediaType(), "Docker manifest list"));
            repos.add(repo.build());
        }
        // big/layer: one large streamed layer.
        {
            Repo repo = new Repo("big/layer");
            long bigSeed = random.nextLong();
            CorpusBlob big =
                    CorpusBlob.streamed(OCI_LAYER_TAR, () -> TarLayers.tar("data/big.bin", bigSeed, bigLayerSize));
            // An uncompressed layer's diff id is its own digest.
            Layer layer = new Layer(big, big.digest());
            CorpusManifest image = repo.image(
                    MediaTypes.OCI_MANIFEST, OCI_CONFIG, "linux", "amd64", List.of(base, layer), "/bin/true");
            repo.tag("100m", image);
            images.add(new CorpusImage(
                    repo.name,
                    "100m",
                    image.digest(),
                    image.mediaType(),
                    "OCI image with a " + bigLayerSize + "-byte layer"));
            repos.add(repo.build());
        }
        return new Corpus(seed, repos, images);
    }

    /** A layer blob and its diff id (digest of the uncompressed tar). */
    private record Layer(CorpusBlob blob, Digest diffId) {
        static Layer gzip(String path, SplittableRandom random, String mediaType) {
            long layerSeed = random.nextLong();
            int size = 2048 + random.nextInt(62 * 1024);
            byte[] gz = TarLayers.gzipTar(path, layerSeed, size);
            return new Layer(CorpusBlob.ofBytes(mediaType, gz), uncompressedDigest(gz));
        }

        Layer as(String mediaType) {
            return new Layer(new CorpusBlob(mediaType, blob.digest(), blob.size(), blob.source()), diffId);
        }

        private static Digest uncompressedDigest(byte[] gz) {
            MessageDigest sha = Digest.Algorithm.SHA256.newMessageDigest();
            try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Digest.of(Digest.Algorithm.SHA256, sha.digest());
        }
    }

    /** Collects one repository's content in registry order. */
    private static final class Repo {
        final String name;
        final Map<Digest, CorpusBlob> blobs = new LinkedHashMap<>();
        final LinkedHashSet<CorpusManifest> manifests = new LinkedHashSet<>();
        final Map<String, Digest> tags = new LinkedHashMap<>();

        Repo(String name) {
            this.name = name;
        }

        CorpusBlob blob(CorpusBlob blob) {
            blobs.putIfAbsent(blob.digest(), blob);
            return blob;
        }

        CorpusManifest manifest(CorpusManifest manifest) {
            manifests.add(manifest);
            return manifest;
        }

        CorpusManifest image(
                String manifestType, String configType, String os, String arch, List<Layer> layers, String command) {
            CorpusBlob config = blob(CorpusBlob.ofBytes(
                    configType,
                    ManifestJson.imageConfig(
                            os, arch, layers.stream().map(Layer::diffId).toList(), command)));
            List<CorpusBlob> layerBlobs =
                    layers.stream().map(l -> blob(l.blob())).toList();
            return manifest(ManifestJson.imageManifest(manifestType, config, layerBlobs, Map.of()));
        }

        Repo tag(String tag, CorpusManifest manifest) {
            tags.put(tag, manifest.digest());
            return this;
        }

        CorpusRepository build() {
            return new CorpusRepository(name, List.copyOf(blobs.values()), List.copyOf(manifests), tags);
        }
    }
}
