package io.georeg.app.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Applies environment variables over the YAML tree, before binding. The rule, for every key
 * {@link ConfigKeys} lists: {@code GEOREG_} + the key's path in upper snake case overrides it
 * ({@code database.url} ← {@code GEOREG_DATABASE_URL}, {@code registryRead.port} ←
 * {@code GEOREG_REGISTRY_READ_PORT}); list keys take comma-separated values; every string key
 * {@code x} also has {@code GEOREG_…_X_FILE}, whose file content (trailing newline dropped) is
 * the value. Values stay text here: binding converts and reports a bad value with its key.
 */
final class EnvironmentOverrides {
    private EnvironmentOverrides() {}

    /** Applies the overrides and returns the variables used (names only, never values). */
    static List<String> apply(ObjectNode tree, List<ConfigKey> keys, Map<String, String> env) {
        List<String> used = new ArrayList<>();
        for (ConfigKey key : keys) {
            String value = env.get(key.environmentVariable());
            if (value != null) {
                used.add(key.environmentVariable());
                ConfigTree.set(tree, key.path(), key.isList() ? list(value) : JsonNodeFactory.instance.textNode(value));
            }
            if (key.type() == String.class) {
                String file = env.get(key.environmentVariable() + "_FILE");
                if (file != null) {
                    if (value != null) {
                        throw new ConfigException("both " + key.environmentVariable() + " and "
                                + key.environmentVariable() + "_FILE are set: keep one");
                    }
                    used.add(key.environmentVariable() + "_FILE");
                    List<String> filePath = new ArrayList<>(key.path());
                    int last = filePath.size() - 1;
                    filePath.set(last, filePath.get(last) + ConfigTree.FILE_SUFFIX);
                    ConfigTree.set(tree, filePath, JsonNodeFactory.instance.textNode(file));
                }
            }
        }
        return used;
    }

    /**
     * {@code GEOREG_*} variables that name no configuration key (typos such as
     * {@code GEOREG_DATABASE_URLL}), except those the scripts and tests use for themselves.
     */
    static List<String> unknown(List<ConfigKey> keys, Map<String, String> env) {
        java.util.Set<String> known = new java.util.HashSet<>(ConfigKeys.NOT_CONFIGURATION);
        for (ConfigKey key : keys) {
            known.add(key.environmentVariable());
            known.add(key.environmentVariable() + "_FILE");
        }
        return env.keySet().stream()
                .filter(n -> n.startsWith("GEOREG_") && !known.contains(n))
                .sorted()
                .toList();
    }

    private static ArrayNode list(String value) {
        if (value.strip().startsWith("[")) {
            // A list of sections (primaries) as a YAML flow sequence: [{name: cell-1, …}, …].
            try {
                com.fasterxml.jackson.databind.JsonNode parsed =
                        new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(value);
                if (parsed instanceof ArrayNode sequence) {
                    return sequence;
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new ConfigException(
                        "a list variable starting with '[' must be a YAML flow sequence: " + e.getOriginalMessage());
            }
        }
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        for (String item : value.split(",")) {
            if (!item.isBlank()) {
                array.add(item.trim());
            }
        }
        return array;
    }
}
