package io.georeg.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads OCI image manifests, OCI image indexes, Docker schema 2 manifests and Docker manifest
 * lists into {@link ParsedManifest}. The media type comes from the manifest's own
 * {@code mediaType} field when present, else from the type the caller was given (the
 * Content-Type of the push or fetch), as distribution does. Malformed content is
 * {@code MANIFEST_INVALID} with the reason.
 */
public final class ManifestParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Manifests are small documents; distribution refuses anything over 4 MiB. */
    public static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

    private ManifestParser() {}

    public static ParsedManifest parse(byte[] raw, String declaredMediaType) {
        if (raw.length > MAX_MANIFEST_BYTES) {
            throw invalid("manifest is larger than " + MAX_MANIFEST_BYTES + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(raw);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw invalid("manifest is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid("manifest is not readable: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid("manifest is not a JSON object");
        }
        String mediaType = text(root, "mediaType");
        if (mediaType == null) {
            mediaType = guessMediaType(root, declaredMediaType);
        }
        if (declaredMediaType != null
                && !declaredMediaType.isBlank()
                && MediaTypes.MANIFESTS.contains(stripParams(declaredMediaType))
                && !stripParams(declaredMediaType).equals(mediaType)) {
            throw invalid("manifest mediaType " + mediaType + " does not match " + declaredMediaType);
        }
        if (!MediaTypes.MANIFESTS.contains(mediaType)) {
            throw new OciException(
                    ErrorCode.MANIFEST_INVALID,
                    "unsupported manifest media type " + mediaType,
                    Map.of("mediaType", mediaType));
        }
        Digest digest = Digest.sha256(raw);
        Optional<Descriptor> subject = Optional.ofNullable(root.get("subject"))
                .filter(JsonNode::isObject)
                .map(ManifestParser::descriptor);
        Map<String, String> annotations = stringMap(root.get("annotations"));
        if (MediaTypes.isIndex(mediaType)) {
            List<Descriptor> children = descriptors(root.get("manifests"), "manifests");
            return new ParsedManifest(
                    digest,
                    mediaType,
                    text(root, "artifactType"),
                    subject,
                    Optional.empty(),
                    List.of(),
                    children,
                    annotations);
        }
        JsonNode configNode = root.get("config");
        if (configNode == null || !configNode.isObject()) {
            throw invalid("manifest has no config descriptor");
        }
        Descriptor config = descriptor(configNode);
        List<Descriptor> layers = descriptors(root.get("layers"), "layers");
        String artifactType = text(root, "artifactType");
        if (artifactType == null && MediaTypes.OCI_MANIFEST.equals(mediaType)) {
            // OCI distribution spec, "Listing Referrers": fall back to the config's media type.
            artifactType = config.mediaType();
        }
        return new ParsedManifest(
                digest, mediaType, artifactType, subject, Optional.of(config), layers, List.of(), annotations);
    }

    public static String stripParams(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(java.util.Locale.ROOT);
    }

    private static String guessMediaType(JsonNode root, String declared) {
        String stripped = stripParams(declared);
        if (stripped != null && MediaTypes.MANIFESTS.contains(stripped)) {
            return stripped;
        }
        // An OCI manifest or index may omit mediaType (image-spec makes it a SHOULD).
        return root.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
    }

    private static List<Descriptor> descriptors(JsonNode array, String field) {
        if (array == null || array.isNull()) {
            return List.of();
        }
        if (!array.isArray()) {
            throw invalid(field + " is not an array");
        }
        List<Descriptor> out = new ArrayList<>(array.size());
        for (JsonNode n : array) {
            out.add(descriptor(n));
        }
        return out;
    }

    static Descriptor descriptor(JsonNode node) {
        if (!node.isObject()) {
            throw invalid("descriptor is not an object");
        }
        String mediaType = text(node, "mediaType");
        String digestText = text(node, "digest");
        JsonNode size = node.get("size");
        if (digestText == null || size == null || !size.canConvertToLong() || size.asLong() < 0) {
            throw invalid("descriptor lacks a digest or a valid size");
        }
        Digest digest;
        try {
            digest = Digest.parse(digestText);
        } catch (OciException e) {
            throw invalid("descriptor digest " + digestText + ": " + e.getMessage());
        }
        Descriptor.Platform platform = null;
        JsonNode p = node.get("platform");
        if (p != null && p.isObject()) {
            platform = new Descriptor.Platform(text(p, "architecture"), text(p, "os"), text(p, "variant"));
        }
        return new Descriptor(
                mediaType,
                digest,
                size.asLong(),
                text(node, "artifactType"),
                stringMap(node.get("annotations")),
                platform);
    }

    private static Map<String, String> stringMap(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static OciException invalid(String why) {
        return new OciException(ErrorCode.MANIFEST_INVALID, why);
    }
}
