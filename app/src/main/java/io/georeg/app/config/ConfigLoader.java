package io.georeg.app.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Builds the {@link GeoregConfig} of a process, in layers, each overriding the one before:
 * <ol>
 *   <li>the defaults ({@link ConfigDefaults}, written out as the tree a configuration file would be);</li>
 *   <li>the YAML file given with {@code --config}, if any;</li>
 *   <li>environment variables ({@link EnvironmentOverrides}: {@code GEOREG_DATABASE_URL} …);</li>
 * </ol>
 * then resolves {@code <key>File} secrets ({@link SecretFiles}), binds the tree to the records
 * (an unknown key is an error that names it and the keys allowed there) and validates it. Called
 * by the command line once at start-up.
 */
public final class ConfigLoader {
    /** Writes {@link ConfigDefaults} as a configuration tree: durations as ISO-8601 text, absent values left out. */
    private static final ObjectMapper DEFAULTS_WRITER = JsonMapper.builder()
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .addModule(new SimpleModule("georeg-config-defaults")
                    .addSerializer(Duration.class, ToStringSerializer.instance))
            .build();

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConfigLoader.class);

    private final Map<String, String> environment;
    private final ObjectMapper yaml;

    public ConfigLoader(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
        this.yaml = YAMLMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .addModule(new SimpleModule("georeg-config").addDeserializer(Duration.class, new DurationText()))
                .build();
    }

    /** Loads, binds and validates; {@code file} empty means defaults and environment only. */
    public GeoregConfig load(Optional<Path> file) {
        return bind(tree(file)).validate();
    }

    /** The layered tree before binding (secrets already read from their files). */
    ObjectNode tree(Optional<Path> file) {
        List<ConfigKey> keys = ConfigKeys.of(GeoregConfig.class);
        ObjectNode tree = defaults();
        Path base = Path.of("");
        if (file.isPresent()) {
            Path path = file.get();
            JsonNode fromFile;
            try {
                fromFile = yaml.readTree(Files.readString(path));
            } catch (JsonProcessingException e) {
                throw new ConfigException(
                        path + " is not valid YAML: " + e.getOriginalMessage()
                                + (e.getLocation() == null
                                        ? ""
                                        : " (line " + e.getLocation().getLineNr() + ")"),
                        e);
            } catch (NoSuchFileException e) {
                throw new ConfigException("configuration file " + path + " does not exist (--config names it)", e);
            } catch (IOException e) {
                throw new ConfigException("cannot read configuration file " + path + ": " + e, e);
            }
            ConfigTree.merge(
                    tree,
                    fromFile == null || fromFile.isMissingNode() ? JsonNodeFactory.instance.objectNode() : fromFile,
                    path.toString(),
                    List.of());
            base = path.toAbsolutePath().getParent();
        }
        EnvironmentOverrides.apply(tree, keys, environment);
        for (String name : EnvironmentOverrides.unknown(keys, environment)) {
            LOG.warn(
                    "ignoring environment variable {}: it names no configuration key (see docs/configuration.md)",
                    name);
        }
        SecretFiles.resolve(tree, keys, base);
        return tree;
    }

    GeoregConfig bind(ObjectNode tree) {
        try {
            return yaml.treeToValue(tree, GeoregConfig.class);
        } catch (UnrecognizedPropertyException e) {
            String section = dottedPath(e.getPath().subList(0, e.getPath().size() - 1));
            String known = e.getKnownPropertyIds() == null
                    ? ""
                    : e.getKnownPropertyIds().stream()
                            .map(Object::toString)
                            .collect(Collectors.toCollection(TreeSet::new))
                            .toString();
            throw new ConfigException(
                    "unknown configuration key '" + dottedPath(e.getPath()) + "': the keys of "
                            + (section.isEmpty() ? "the top level" : "'" + section + "'") + " are " + known
                            + " (see docs/configuration.md)",
                    e);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new ConfigException(
                    "configuration section '" + dottedPath(e.getPath()) + "' is invalid: " + cause.getMessage(), e);
        } catch (JsonMappingException e) {
            throw new ConfigException(
                    "configuration key '" + dottedPath(e.getPath()) + "' has a bad value: "
                            + e.getOriginalMessage().replaceAll("\\s*\\n.*", ""),
                    e);
        } catch (JsonProcessingException e) {
            throw new ConfigException("configuration cannot be read: " + e.getOriginalMessage(), e);
        }
    }

    private static ObjectNode defaults() {
        return DEFAULTS_WRITER.valueToTree(ConfigDefaults.configuration());
    }

    private static String dottedPath(List<JsonMappingException.Reference> path) {
        return path.stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }
}
