package io.georeg.app.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Resolves {@code <key>File} entries: for every string key (e.g. {@code database.password}) the
 * configuration may instead name a file ({@code database.passwordFile}) whose content is the
 * value, so secrets can come from Kubernetes secret volumes rather than the YAML or environment.
 * One trailing newline is dropped. Runs after layering, before binding.
 */
final class SecretFiles {
    private SecretFiles() {}

    static void resolve(ObjectNode tree, List<ConfigKey> keys, Path relativeTo) {
        for (ConfigKey key : keys) {
            if (key.type() != String.class) {
                continue;
            }
            JsonNode parent =
                    ConfigTree.get(tree, key.path().subList(0, key.path().size() - 1));
            String name = key.path().get(key.path().size() - 1);
            if (parent == null || !parent.isObject() || !parent.has(name + ConfigTree.FILE_SUFFIX)) {
                continue;
            }
            String fileKey = key.dotted() + ConfigTree.FILE_SUFFIX;
            JsonNode fileNode = parent.get(name + ConfigTree.FILE_SUFFIX);
            if (!fileNode.isTextual() || fileNode.asText().isBlank()) {
                throw new ConfigException(fileKey + " must be the path of a file holding the value of " + key.dotted());
            }
            Path file = relativeTo.resolve(fileNode.asText());
            String content;
            try {
                content = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException(
                        fileKey + ": cannot read " + file + " (" + e + "): create the file or fix the path", e);
            }
            if (content.endsWith("\n")) {
                content = content.substring(0, content.length() - (content.endsWith("\r\n") ? 2 : 1));
            }
            ((ObjectNode) parent).remove(name + ConfigTree.FILE_SUFFIX);
            ((ObjectNode) parent).put(name, content);
        }
    }
}
