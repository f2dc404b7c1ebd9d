package io.georeg.app.layout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.ParsedManifest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.ReplicaWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads an OCI image layout directory (image-spec {@code image-layout.md}: {@code oci-layout},
 * {@code index.json}, {@code blobs/<alg>/<hex>}) into one repository of the replica through
 * {@link ReplicaWriter}, in registry order: blobs, then child manifests and subjects, then the
 * manifest, then its tags ({@code org.opencontainers.image.ref.name}). Safe to repeat: the writer
 * skips what is stored. Called by {@code georeg import}; the demo and the end-to-end tests load
 * their corpus this way.
 */
public final class OciLayoutImporter {
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final Logger LOG = LoggerFactory.getLogger(OciLayoutImporter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ReplicaWriter writer;

    public OciLayoutImporter(ReplicaWriter writer) {
        this.writer = writer;
    }

    /** What one import did. */
    public record Result(
            RepositoryName repository, int manifests, int blobsWritten, int blobsLinked, List<String> tags) {}

    /** True when {@code dir} is an OCI layout (has {@code oci-layout} and {@code index.json}). */
    public static boolean isLayout(Path dir) {
        return Files.isRegularFile(dir.resolve("oci-layout")) && Files.isRegularFile(dir.resolve("index.json"));
    }

    /**
     * Every OCI layout at or below {@code root}, with the repository name it is imported as: its
     * path relative to {@code root} ({@code root/library/alpine} → {@code library/alpine}).
     */
    public static List<Path> findLayouts(Path root) {
        try (var paths = Files.walk(root)) {
            return paths.filter(Files::isDirectory)
                    .filter(OciLayoutImporter::isLayout)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    public Result importLayout(Path dir, RepositoryName repository) {
        if (!isLayout(dir)) {
            throw new IllegalArgumentException(dir + " is not an OCI image layout (no oci-layout and index.json)");
        }
        Session session = new Session(dir, repository);
        JsonNode index = readJson(dir.resolve("index.json"));
        List<String> tags = new ArrayList<>();
        for (JsonNode entry : index.path("manifests")) {
            Digest digest = Digest.parse(entry.path("digest").asText());
            session.manifest(digest, entry.path("mediaType").asText(null));
            String refName = entry.path("annotations").path(REF_NAME).asText(null);
            Optional<Tag> tag = tagOf(refName);
            if (tag.isPresent()) {
                writer.tag(repository, tag.get(), digest);
                tags.add(tag.get().value());
            } else if (refName != null) {
                LOG.warn("{}: ref.name '{}' is not a valid tag; {} imported untagged", dir, refName, digest);
            }
        }
        LOG.debug(
                "imported {} into {}: {} manifests, {} blobs written, {} linked, tags {}",
                dir,
                repository,
                session.manifests.size(),
                session.written,
                session.linked,
                tags);
        return new Result(repository, session.manifests.size(), session.written, session.linked, List.copyOf(tags));
    }

    /** The tag of a ref.name annotation: a bare tag, or the tag of a full reference ({@code host/repo:tag}). */
    static Optional<Tag> tagOf(String refName) {
        if (refName == null || refName.isBlank()) {
            return Optional.empty();
        }
        if (Tag.isValid(refName)) {
            return Optional.of(Tag.of(refName));
        }
        int colon = refName.lastIndexOf(':');
        if (colon > refName.lastIndexOf('/') && Tag.isValid(refName.substring(colon + 1))) {
            return Optional.of(Tag.of(refName.substring(colon + 1)));
        }
        return Optional.empty();
    }

    /** One import: remembers what it stored so shared children are visited once. */
    private final class Session {
        final Path dir;
        final RepositoryName repository;
        final Set<Digest> manifests = new HashSet<>();
        final Set<Digest> blobs = new HashSet<>();
        int written;
        int linked;

        Session(Path dir, RepositoryName repository) {
            this.dir = dir;
            this.repository = repository;
        }

        void manifest(Digest digest, String declaredMediaType) {
            if (manifests.contains(digest)) {
                return;
            }
            byte[] raw;
            try {
                raw = Files.readAllBytes(blobPath(digest));
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": manifest " + digest + " is listed but not in blobs/", e);
            }
            ParsedManifest parsed = ManifestParser.parse(raw, declaredMediaType);
            for (Descriptor blob : parsed.blobs()) {
                blob(blob);
            }
            for (Descriptor child : parsed.children()) {
                manifest(child.digest(), child.mediaType());
            }
            parsed.subject()
                    .filter(s -> Files.exists(blobPath(s.digest())))
                    .ifPresent(s -> manifest(s.digest(), s.mediaType()));
            writer.putManifest(repository, raw, parsed.mediaType(), digest);
            manifests.add(digest);
        }

        void blob(Descriptor descriptor) {
            Digest digest = descriptor.digest();
            if (!blobs.add(digest)) {
                return;
            }
            if (writer.hasBlob(digest) && writer.linkBlob(repository, digest)) {
                linked++;
                return;
            }
            try (InputStream in = Files.newInputStream(blobPath(digest))) {
                if (writer.putBlob(repository, digest, descriptor.size(), in)) {
                    written++;
                } else {
                    linked++;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": blob " + digest + " cannot be read", e);
            }
        }

        Path blobPath(Digest digest) {
            return dir.resolve("blobs").resolve(digest.algorithm().prefix()).resolve(digest.hex());
        }
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
