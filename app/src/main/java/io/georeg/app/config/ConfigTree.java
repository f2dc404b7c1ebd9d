package io.georeg.app.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Edits of the YAML tree before it is bound to records: layering (defaults, then the file, then
 * the environment) and the {@code <key>File} rule — a later layer that sets {@code password}
 * drops an earlier {@code passwordFile} and the other way round, so each layer overrides the
 * secret whichever form it uses. Setting both in one layer is an error.
 */
final class ConfigTree {
    static final String FILE_SUFFIX = "File";

    private ConfigTree() {}

    /** Lays {@code layer} over {@code base} (objects merge key by key, everything else replaces). */
    static void merge(ObjectNode base, JsonNode layer, String where, List<String> path) {
        if (layer == null || layer.isNull() || layer.isMissingNode()) {
            return;
        }
        if (!layer.isObject()) {
            throw new ConfigException(
                    describe(path) + " in " + where + " must be a mapping of keys, got: " + layer.getNodeType());
        }
        for (Map.Entry<String, JsonNode> field : iterable(layer)) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            List<String> childPath = append(path, name);
            if (!name.endsWith(FILE_SUFFIX) && layer.has(name + FILE_SUFFIX)) {
                throw new ConfigException("both " + dotted(childPath) + " and " + dotted(childPath) + FILE_SUFFIX
                        + " are set in " + where + ": keep one (the *File form reads the value from a file)");
            }
            JsonNode existing = base.get(name);
            if (value.isObject() && existing != null && existing.isObject()) {
                merge((ObjectNode) existing, value, where, childPath);
            } else {
                set(base, name, value);
            }
        }
    }

    /** Sets {@code path} (creating sections on the way) to {@code value}. */
    static void set(ObjectNode root, List<String> path, JsonNode value) {
        ObjectNode node = root;
        for (String segment : path.subList(0, path.size() - 1)) {
            JsonNode child = node.get(segment);
            if (child == null || !child.isObject()) {
                child = node.putObject(segment);
            }
            node = (ObjectNode) child;
        }
        set(node, path.get(path.size() - 1), value);
    }

    private static void set(ObjectNode node, String name, JsonNode value) {
        node.set(name, value);
        if (name.endsWith(FILE_SUFFIX)) {
            node.remove(name.substring(0, name.length() - FILE_SUFFIX.length()));
        } else {
            node.remove(name + FILE_SUFFIX);
        }
    }

    static JsonNode get(JsonNode root, List<String> path) {
        JsonNode node = root;
        for (String segment : path) {
            node = node == null ? null : node.get(segment);
        }
        return node;
    }

    static String dotted(List<String> path) {
        return String.join(".", path);
    }

    private static String describe(List<String> path) {
        return path.isEmpty() ? "the configuration" : "'" + dotted(path) + "'";
    }

    private static List<String> append(List<String> path, String name) {
        List<String> p = new ArrayList<>(path);
        p.add(name);
        return p;
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node) {
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
        node.fields().forEachRemaining(fields::add);
        return fields;
    }
}
