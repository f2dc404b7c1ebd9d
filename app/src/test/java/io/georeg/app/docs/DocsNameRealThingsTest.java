package io.georeg.app.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.georeg.app.cli.GeoregCommand;
import io.georeg.app.config.ConfigKey;
import io.georeg.app.config.ConfigKeys;
import io.georeg.app.config.GeoregConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The docs name commands and configuration keys in code spans; nothing else ties those strings to
 * the code. This test fails the build when docs/ or the README names a {@code georeg} command the
 * command line does not have, or a dotted key under a configuration section that is neither a
 * configuration key (or a section of keys, or a key's {@code …File} form) nor a chart value nor
 * one of the primary registry's own keys listed here. (The
 * metrics are checked by {@code MetricNamesIT}, configuration.md's key table by
 * {@code ConfigurationDocTest}.)
 */
class DocsNameRealThingsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern COMMAND = Pattern.compile("`(?:bin/)?georeg ([a-z][a-z-]*)");
    /** A dotted name in a code span that starts with a configuration section's name. */
    private static final Pattern KEY = Pattern.compile(
            "`((?:database|storage|auth|primary|replica|registryRead|replicator|router)(?:\\.[A-Za-z][A-Za-z0-9]*)+)");

    /**
     * Keys of the primary registry's own configuration (distribution's config.yml) that the docs
     * name while telling how to set up the primary; they share georeg's section names.
     */
    private static final Set<String> DISTRIBUTION_KEYS = Set.of("auth.token.rootcertbundle");

    private static List<Path> docs() throws IOException {
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            List<Path> all = new ArrayList<>(
                    files.filter(p -> p.toString().endsWith(".md")).sorted().toList());
            all.add(ROOT.resolve("README.md"));
            return all;
        }
    }

    @Test
    void everyCommandTheDocsNameExists() throws IOException {
        Set<String> commands =
                GeoregCommand.commandLine(Map.of()).getSubcommands().keySet();
        Set<String> unknown = new TreeSet<>();
        int named = 0;
        for (Path doc : docs()) {
            Matcher m = COMMAND.matcher(Files.readString(doc));
            while (m.find()) {
                named++;
                if (!commands.contains(m.group(1))) {
                    unknown.add(ROOT.relativize(doc) + ": georeg " + m.group(1));
                }
            }
        }
        assertThat(named).as("the docs name commands").isGreaterThan(10);
        assertThat(unknown)
                .as("commands named in the docs that `georeg` does not have (it has %s)", commands)
                .isEmpty();
    }

    @Test
    void everyDottedKeyTheDocsNameIsAConfigurationKeyOrAChartValue() throws IOException {
        Set<String> known = new TreeSet<>();
        for (ConfigKey key : ConfigKeys.of(GeoregConfig.class)) {
            String dotted = key.dotted();
            known.add(dotted);
            known.add(dotted + "File");
            for (int i = dotted.indexOf('.'); i > 0; i = dotted.indexOf('.', i + 1)) {
                known.add(dotted.substring(0, i));
            }
        }
        JsonNode values = new YAMLMapper()
                .readTree(ROOT.resolve("charts/georeg/values.yaml").toFile());
        addPaths(values, "", known);
        known.addAll(DISTRIBUTION_KEYS);

        Set<String> unknown = new TreeSet<>();
        int named = 0;
        for (Path doc : docs()) {
            Matcher m = KEY.matcher(Files.readString(doc));
            while (m.find()) {
                named++;
                if (!known.contains(m.group(1))) {
                    unknown.add(ROOT.relativize(doc) + ": " + m.group(1));
                }
            }
        }
        assertThat(named).as("the docs name keys").isGreaterThan(20);
        assertThat(unknown)
                .as("dotted names in the docs that are neither a configuration key nor a chart value")
                .isEmpty();
    }

    private static void addPaths(JsonNode node, String prefix, Set<String> into) {
        if (!node.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String path = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            into.add(path);
            addPaths(field.getValue(), path, into);
        }
    }
}
