package io.georeg.charts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The georeg chart rendered by Helm's own engine (helm-java embeds Helm as a native library, so
 * this is exactly what {@code helm template} produces, values.schema.json included), parsed into
 * Kubernetes objects for assertions. Used by every chart test.
 */
final class RenderedChart {
    static final Path CHART = Path.of("georeg").toAbsolutePath();
    static final String RELEASE = "geo";
    static final String NAMESPACE = "registry";
    private static final YAMLMapper YAML = new YAMLMapper();

    private final List<JsonNode> objects;

    private RenderedChart(List<JsonNode> objects) {
        this.objects = objects;
    }

    /** Renders with the chart's defaults plus the given test values file (under values/), if any. */
    static RenderedChart render(String valuesFile) {
        return render(valuesFile, t -> {});
    }

    static RenderedChart render(String valuesFile, Consumer<TemplateCommand> settings) {
        return parse(template(valuesFile, settings));
    }

    /** The raw output of {@code helm template}; throws Helm's own error when rendering fails. */
    static String template(String valuesFile, Consumer<TemplateCommand> settings) {
        if (!Files.isDirectory(CHART)) {
            throw new IllegalStateException(
                    "chart directory " + CHART + " not found: run the tests from the charts module");
        }
        TemplateCommand command = new Helm(CHART)
                .template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion("1.30.0");
        if (valuesFile != null) {
            command.withValuesFile(valuesPath(valuesFile));
        }
        settings.accept(command);
        return command.call();
    }

    /**
     * The install notes ({@code NOTES.txt}) Helm prints after an install with these values: a
     * client-only dry run, which renders them as {@code helm install} would, without a cluster.
     */
    static String notes(String valuesFile, Map<String, Object> settings) {
        InstallCommand command = new Helm(CHART)
                .install()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion("1.30.0")
                .dryRun()
                .clientOnly();
        if (valuesFile != null) {
            command.withValuesFile(valuesPath(valuesFile));
        }
        settings.forEach(command::set);
        return command.call().getOutput();
    }

    static Path valuesPath(String name) {
        Path path = Path.of("src/test/resources/values", name).toAbsolutePath();
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("test values file " + path + " is missing");
        }
        return path;
    }

    static RenderedChart parse(String manifest) {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(manifest)) {
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode doc = it.next();
                if (doc != null && doc.isObject() && doc.has("kind")) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("helm template produced YAML that does not parse", e);
        }
        return new RenderedChart(docs);
    }

    List<JsonNode> all() {
        return objects;
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream()
                .filter(o -> o.path("kind").asText().equals(kind))
                .toList();
    }

    /** The one object of this kind and name; fails listing what exists otherwise. */
    JsonNode get(String kind, String name) {
        return objects.stream()
                .filter(o -> o.path("kind").asText().equals(kind)
                        && o.path("metadata").path("name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name
                        + " in the rendered chart; it has "
                        + objects.stream()
                                .map(o -> o.path("kind").asText() + "/"
                                        + o.path("metadata").path("name").asText())
                                .collect(Collectors.joining(", "))));
    }

    boolean has(String kind, String name) {
        return objects.stream()
                .anyMatch(o -> o.path("kind").asText().equals(kind)
                        && o.path("metadata").path("name").asText().equals(name));
    }

    JsonNode deployment(String component) {
        return get("Deployment", RELEASE + "-georeg-" + component);
    }

    static JsonNode container(JsonNode workload) {
        return workload.path("spec")
                .path("template")
                .path("spec")
                .path("containers")
                .get(0);
    }

    /** A component's rendered georeg configuration file (from the ConfigMap), parsed. */
    ObjectNode config(String component) {
        String text = get("ConfigMap", RELEASE + "-georeg-config")
                .path("data")
                .path(component + ".yaml")
                .asText();
        try {
            return (ObjectNode) YAML.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("config " + component + ".yaml is not YAML:\n" + text, e);
        }
    }

    /** The secret file names a component's projected secrets volume provides. */
    static Map<String, String> secretFiles(JsonNode workload) {
        Map<String, String> files = new java.util.TreeMap<>();
        for (JsonNode volume :
                workload.path("spec").path("template").path("spec").path("volumes")) {
            for (JsonNode source : volume.path("projected").path("sources")) {
                for (JsonNode item : source.path("secret").path("items")) {
                    files.put(
                            item.path("path").asText(),
                            source.path("secret").path("name").asText() + ":"
                                    + item.path("key").asText());
                }
            }
        }
        return files;
    }

    static ObjectMapper json() {
        return new ObjectMapper();
    }
}
