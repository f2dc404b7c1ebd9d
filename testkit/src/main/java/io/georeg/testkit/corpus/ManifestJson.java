package io.georeg.testkit.corpus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.Digest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the JSON of manifests, indexes and image configs as registries see them (OCI image
 * spec v1.1 and Docker image manifest v2 schema 2), with a stable key order so the bytes, and so
 * the digests, depend only on the seed.
 */
final class ManifestJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ManifestJson() {}

    /**
     * A map that keeps the given key order. {@code Map.of} with more than one entry iterates in an
     * order that changes from one JVM run to the next, which would change the bytes and digests.
     */
    static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    static Map<String, Object> descriptor(String mediaType, Digest digest, long size) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", mediaType);
        d.put("digest", digest.toString());
        d.put("size", size);
        return d;
    }

    static Map<String, Object> descriptor(CorpusBlob blob) {
        return descriptor(blob.mediaType(), blob.digest(), blob.size());
    }

    static Map<String, Object> descriptor(CorpusManifest manifest) {
        return descriptor(manifest.mediaType(), manifest.digest(), manifest.size());
    }

    static Map<String, Object> withPlatform(Map<String, Object> descriptor, String os, String architecture) {
        Map<String, Object> d = new LinkedHashMap<>(descriptor);
        Map<String, Object> platform = new LinkedHashMap<>();
        platform.put("architecture", architecture);
        platform.put("os", os);
        d.put("platform", platform);
        return d;
    }

    /** An image manifest (OCI or Docker schema 2: same shape, different media types). */
    static CorpusManifest imageManifest(
            String mediaType, CorpusBlob config, List<CorpusBlob> layers, Map<String, String> annotations) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        m.put("mediaType", mediaType);
        m.put("config", descriptor(config));
        m.put("layers", layers.stream().map(ManifestJson::descriptor).toList());
        if (!annotations.isEmpty()) {
            m.put("annotations", annotations);
        }
        return CorpusManifest.of(mediaType, bytes(m));
    }

    /** An OCI index or Docker manifest list of platform-specific children. */
    static CorpusManifest index(String mediaType, List<Map<String, Object>> children) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        m.put("mediaType", mediaType);
        m.put("manifests", children);
        return CorpusManifest.of(mediaType, bytes(m));
    }

    /** An OCI 1.1 artifact manifest (artifactType, empty config, subject), e.g. an SBOM or signature. */
    static CorpusManifest artifact(
            String artifactType,
            CorpusBlob emptyConfig,
            List<CorpusBlob> layers,
            CorpusManifest subject,
            Map<String, String> annotations) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        m.put("mediaType", io.georeg.oci.MediaTypes.OCI_MANIFEST);
        m.put("artifactType", artifactType);
        m.put("config", descriptor(emptyConfig));
        m.put("layers", layers.stream().map(ManifestJson::descriptor).toList());
        m.put("subject", descriptor(subject));
        m.put("annotations", annotations);
        return CorpusManifest.of(io.georeg.oci.MediaTypes.OCI_MANIFEST, bytes(m));
    }

    /** An image config: platform, rootfs diff ids, a command. */
    static byte[] imageConfig(String os, String architecture, List<Digest> diffIds, String command) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("created", "2024-01-01T00:00:00Z");
        config.put("architecture", architecture);
        config.put("os", os);
        config.put("config", Map.of("Cmd", List.of(command)));
        Map<String, Object> rootfs = new LinkedHashMap<>();
        rootfs.put("type", "layers");
        rootfs.put("diff_ids", diffIds.stream().map(Digest::toString).toList());
        config.put("rootfs", rootfs);
        return bytes(config);
    }

    static byte[] bytes(Object tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize manifest JSON", e);
        }
    }
}
