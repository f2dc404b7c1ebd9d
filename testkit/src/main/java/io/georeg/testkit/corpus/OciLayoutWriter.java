package io.georeg.testkit.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a corpus repository as an OCI image layout directory (image-spec {@code image-layout.md}:
 * {@code oci-layout}, {@code index.json}, {@code blobs/sha256/<hex>}), the format {@code skopeo},
 * {@code oras} and {@code georeg import} read. {@code index.json} lists every top-level manifest:
 * tagged ones once per tag with the {@code org.opencontainers.image.ref.name} annotation, untagged
 * ones (referrers) without it; index children live only in {@code blobs/}.
 */
public final class OciLayoutWriter {
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final ObjectMapper JSON = new ObjectMapper();

    private OciLayoutWriter() {}

    /**
     * Writes one testkit {@link io.georeg.testkit.oci.TestImage} as an OCI layout in {@code dir}
     * whose {@code index.json} names it {@code tag}, for {@code skopeo copy oci:<dir>:<tag> …}.
     */
    public static Path write(io.georeg.testkit.oci.TestImage image, String tag, Path dir) {
        try {
            Path blobs = Files.createDirectories(dir.resolve("blobs").resolve("sha256"));
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            for (io.georeg.testkit.oci.TestBlob blob : image.blobs()) {
                Files.write(blobs.resolve(blob.digest().hex()), blob.content());
            }
            Files.write(
                    blobs.resolve(image.manifest().digest().hex()),
                    image.manifest().content());
            Map<String, Object> descriptor = new LinkedHashMap<>();
            descriptor.put("mediaType", image.manifest().mediaType());
            descriptor.put("digest", image.manifest().digest().toString());
            descriptor.put("size", image.manifest().size());
            descriptor.put("annotations", Map.of(REF_NAME, tag));
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("schemaVersion", 2);
            index.put("manifests", List.of(descriptor));
            Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write an OCI layout to " + dir, e);
        }
    }

    /** Writes every repository of the corpus to {@code root/<repository name>/}. */
    public static void writeAll(Corpus corpus, Path root) {
        for (CorpusRepository repo : corpus.repositories()) {
            write(repo, root.resolve(repo.name()));
        }
    }

    /** Writes one repository as an OCI layout in {@code dir} (created if needed). */
    public static void write(CorpusRepository repo, Path dir) {
        try {
            Path blobs = dir.resolve("blobs").resolve("sha256");
            Files.createDirectories(blobs);
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            for (CorpusBlob blob : repo.blobs()) {
                Path target = blobs.resolve(blob.digest().hex());
                if (!Files.exists(target) || Files.size(target) != blob.size()) {
                    try (InputStream in = blob.open()) {
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            Set<Digest> children = new HashSet<>();
            for (CorpusManifest m : repo.manifests()) {
                Files.write(blobs.resolve(m.digest().hex()), m.content());
                if (MediaTypes.isIndex(m.mediaType())) {
                    for (JsonNode child : JSON.readTree(m.content()).path("manifests")) {
                        children.add(Digest.parse(child.path("digest").asText()));
                    }
                }
            }
            List<Map<String, Object>> entries = new ArrayList<>();
            for (CorpusManifest m : repo.manifests()) {
                if (children.contains(m.digest())) {
                    continue;
                }
                List<String> tags = repo.tags().entrySet().stream()
                        .filter(e -> e.getValue().equals(m.digest()))
                        .map(Map.Entry::getKey)
                        .sorted()
                        .toList();
                if (tags.isEmpty()) {
                    entries.add(ManifestJson.descriptor(m));
                }
                for (String tag : tags) {
                    Map<String, Object> d = new LinkedHashMap<>(ManifestJson.descriptor(m));
                    d.put("annotations", Map.of(REF_NAME, tag));
                    entries.add(d);
                }
            }
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("schemaVersion", 2);
            index.put("mediaType", MediaTypes.OCI_INDEX);
            index.put("manifests", entries);
            Files.write(dir.resolve("index.json"), ManifestJson.bytes(index));
        } catch (IOException e) {
            throw new UncheckedIOException("could not write OCI layout " + dir, e);
        }
    }
}
