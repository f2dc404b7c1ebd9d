package io.georeg.testkit.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.Descriptor;
import io.georeg.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Builds OCI and Docker schema 2 test content deterministically from a seed: the same seed gives
 * the same bytes and digests in every run. Layers are pseudo-random bytes (incompressible, like
 * real gzip layers), configs small JSON documents naming the platform and layer digests, manifests
 * and indexes the JSON a registry would store. Used by the replica's tests, registry-read's tests
 * and the corpus generator.
 */
public final class TestImages {
    public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    /** The OCI image spec's empty descriptor content ({@code {}}), the config of artifacts. */
    public static final TestBlob EMPTY_CONFIG =
            TestBlob.of(MediaTypes.OCI_EMPTY, "{}".getBytes(StandardCharsets.UTF_8));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Descriptor.Platform LINUX_AMD64 = new Descriptor.Platform("amd64", "linux", null);

    private TestImages() {}

    /** {@code size} pseudo-random bytes from {@code seed}. */
    public static byte[] randomBytes(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** An OCI layer of {@code size} bytes from {@code seed}. */
    public static TestBlob layer(long seed, int size) {
        return TestBlob.of(OCI_LAYER, randomBytes(seed, size));
    }

    /** An OCI image for linux/amd64 with two 1 KiB layers. */
    public static TestImage image(long seed) {
        return image(
                MediaTypes.OCI_MANIFEST,
                seed,
                List.of(layer(seed * 31 + 1, 1024), layer(seed * 31 + 2, 1024)),
                LINUX_AMD64);
    }

    /** A Docker schema 2 image for linux/amd64 with two 1 KiB layers. */
    public static TestImage dockerImage(long seed) {
        return image(
                MediaTypes.DOCKER_MANIFEST,
                seed,
                List.of(
                        retype(layer(seed * 31 + 1, 1024), DOCKER_LAYER),
                        retype(layer(seed * 31 + 2, 1024), DOCKER_LAYER)),
                LINUX_AMD64);
    }

    /**
     * An image manifest of {@code manifestMediaType} (OCI or Docker schema 2) over the given
     * layers (share layers between images to test deduplication), with a config naming
     * {@code platform} and {@code seed}.
     */
    public static TestImage image(
            String manifestMediaType, long seed, List<TestBlob> layers, Descriptor.Platform platform) {
        boolean docker = MediaTypes.DOCKER_MANIFEST.equals(manifestMediaType);
        Descriptor.Platform p = platform == null ? LINUX_AMD64 : platform;
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architecture", p.architecture());
        config.put("os", p.os());
        if (p.variant() != null) {
            config.put("variant", p.variant());
        }
        config.put("config", Map.of("Labels", Map.of("io.georeg.test.seed", Long.toString(seed))));
        config.put(
                "rootfs",
                Map.of(
                        "type",
                        "layers",
                        "diff_ids",
                        layers.stream().map(l -> l.digest().toString()).toList()));
        TestBlob configBlob = TestBlob.of(docker ? DOCKER_CONFIG : OCI_CONFIG, json(config));

        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", manifestMediaType);
        manifest.put("config", descriptor(configBlob.descriptor()));
        manifest.put(
                "layers", layers.stream().map(l -> descriptor(l.descriptor())).toList());
        return new TestImage(TestManifest.of(manifestMediaType, json(manifest)), configBlob, layers, p);
    }

    /** An index ({@link MediaTypes#OCI_INDEX} or {@link MediaTypes#DOCKER_MANIFEST_LIST}) of the images, with their platforms. */
    public static TestManifest index(String indexMediaType, List<TestImage> children) {
        List<Object> entries = new ArrayList<>();
        for (TestImage child : children) {
            Map<String, Object> entry = descriptor(child.manifest().descriptor());
            Map<String, Object> platform = new LinkedHashMap<>();
            platform.put("architecture", child.platform().architecture());
            platform.put("os", child.platform().os());
            if (child.platform().variant() != null) {
                platform.put("variant", child.platform().variant());
            }
            entry.put("platform", platform);
            entries.add(entry);
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", indexMediaType);
        index.put("manifests", entries);
        return TestManifest.of(indexMediaType, json(index));
    }

    /** Images for linux/amd64 and linux/arm64 (children of a multi-arch index), in that order. */
    public static List<TestImage> multiArch(String manifestMediaType, long seed) {
        boolean docker = MediaTypes.DOCKER_MANIFEST.equals(manifestMediaType);
        List<TestImage> images = new ArrayList<>();
        String[] arches = {"amd64", "arm64"};
        for (int i = 0; i < arches.length; i++) {
            TestBlob layer = layer(seed * 131 + i, 2048);
            images.add(image(
                    manifestMediaType,
                    seed * 131 + i,
                    List.of(docker ? retype(layer, DOCKER_LAYER) : layer),
                    new Descriptor.Platform(arches[i], "linux", i == 1 ? "v8" : null)));
        }
        return List.copyOf(images);
    }

    /**
     * An OCI artifact (image manifest with {@code artifactType}, the empty config and one layer)
     * whose {@code subject} is {@code subject}: a signature or SBOM in the referrers API.
     */
    public static TestImage artifact(
            long seed, TestManifest subject, String artifactType, Map<String, String> annotations) {
        TestBlob payload = TestBlob.of("application/vnd.georeg.test.payload", randomBytes(seed, 256));
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
        manifest.put("artifactType", artifactType);
        manifest.put("config", descriptor(EMPTY_CONFIG.descriptor()));
        manifest.put("layers", List.of(descriptor(payload.descriptor())));
        manifest.put("subject", descriptor(subject.descriptor()));
        if (annotations != null && !annotations.isEmpty()) {
            manifest.put("annotations", new LinkedHashMap<>(annotations));
        }
        return new TestImage(
                TestManifest.of(MediaTypes.OCI_MANIFEST, json(manifest)), EMPTY_CONFIG, List.of(payload), LINUX_AMD64);
    }

    private static TestBlob retype(TestBlob blob, String mediaType) {
        return new TestBlob(blob.digest(), mediaType, blob.content());
    }

    private static Map<String, Object> descriptor(Descriptor d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mediaType", d.mediaType());
        out.put("digest", d.digest().toString());
        out.put("size", d.size());
        return out;
    }

    private static byte[] json(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("test content is always serialisable", e);
        }
    }
}
