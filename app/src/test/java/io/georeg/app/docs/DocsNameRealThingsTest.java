package io.georeg.app.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.georeg.app.cli.GeoregCommand;
import io.georeg.app.config.ConfigKey;
import io.georeg.app.config.ConfigKeys;
import io.georeg.app.config.GeoregConfig;
import io.georeg.replicator.queue.FailureReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The docs name commands, configuration keys, chart values and environment variables in code
 * spans; nothing else ties those strings to the code. This test fails the build when docs/ or the
 * README names a {@code georeg} command the command line does not have, a dotted name under a
 * configuration section or a chart value's section that is neither a configuration key (or a
 * section of keys, or a key's {@code …File} form) nor a chart value nor one of the primary
 * registry's own keys listed here, or a {@code GEOREG_} variable that sets no key. The sections
 * are read from the configuration records and values.yaml, so a new section is checked without
 * a change here. (The metrics are checked by {@code MetricNamesIT}, configuration.md's key table
 * by {@code ConfigurationDocTest}.) The replication failure reasons monitoring.md lists are
 * {@code FailureReason}'s.
 */
class DocsNameRealThingsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern COMMAND = Pattern.compile("`(?:bin/)?georeg ([a-z][a-z-]*)");
    private static final Pattern VARIABLE = Pattern.compile("`(GEOREG_[A-Z0-9_]+)");

    /**
     * Keys of the primary registry's own configuration (distribution's config.yml) that the docs
     * name while telling how to set up the primary; they share georeg's section names.
     */
    private static final Set<String> DISTRIBUTION_KEYS = Set.of("auth.token.rootcertbundle", "notifications.endpoints");

    private static JsonNode values() throws IOException {
        return new YAMLMapper()
                .readTree(ROOT.resolve("charts/georeg/values.yaml").toFile());
    }

    /**
     * A dotted name in a code span that starts with a section's name: a configuration section
     * (the first part of a key of two or more parts) or a chart value that holds named values
     * (not a free-form map such as {@code config} or {@code podAnnotations}, empty by default).
     */
    private static Pattern dottedNames() throws IOException {
        Set<String> sections = new TreeSet<>();
        for (ConfigKey key : ConfigKeys.of(GeoregConfig.class)) {
            if (key.path().size() > 1) {
                sections.add(key.path().get(0));
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = values().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> value = it.next();
            if (value.getValue().isObject() && !value.getValue().isEmpty()) {
                sections.add(value.getKey());
            }
        }
        return Pattern.compile("`((?:" + String.join("|", sections) + ")(?:\\.[A-Za-z][A-Za-z0-9]*)+)");
    }

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
        Named named = named(COMMAND, commands::contains);
        assertThat(named.count()).as("the docs name commands").isGreaterThan(10);
        assertThat(named.unknown())
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
        addPaths(values(), "", known);
        known.addAll(DISTRIBUTION_KEYS);
        Named named = named(dottedNames(), known::contains);
        assertThat(named.count()).as("the docs name keys").isGreaterThan(20);
        assertThat(named.unknown())
                .as("dotted names in the docs that are neither a configuration key nor a chart value")
                .isEmpty();
    }

    @Test
    void everyEnvironmentVariableTheDocsNameSetsAKey() throws IOException {
        Set<String> known = new TreeSet<>(ConfigKeys.NOT_CONFIGURATION);
        for (ConfigKey key : ConfigKeys.of(GeoregConfig.class)) {
            known.add(key.environmentVariable());
            known.add(key.environmentVariable() + "_FILE");
        }

        Named named = named(VARIABLE, known::contains);
        assertThat(named.count()).as("the docs name variables").isGreaterThan(20);
        assertThat(named.unknown())
                .as("GEOREG_ variables named in the docs that set no configuration key")
                .isEmpty();
    }

    /** How many names {@code pattern}'s first group finds in the docs, and those {@code known} refuses. */
    private record Named(int count, Set<String> unknown) {}

    private static Named named(Pattern pattern, Predicate<String> known) throws IOException {
        Set<String> unknown = new TreeSet<>();
        int count = 0;
        for (Path doc : docs()) {
            Matcher m = pattern.matcher(Files.readString(doc));
            while (m.find()) {
                count++;
                if (!known.test(m.group(1))) {
                    unknown.add(ROOT.relativize(doc) + ": " + m.group(1));
                }
            }
        }
        return new Named(count, unknown);
    }

    /**
     * docs/monitoring.md lists the {@code reason}s of the replication failures an operator alerts
     * on: the list must be {@link FailureReason}'s, no more and no fewer.
     */
    @Test
    void theReplicationFailureReasonsTheDocsListAreTheCodes() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/monitoring.md"));
        Matcher table = Pattern.compile("(?s)\\| Reason \\| Meaning \\|\\n\\| --- \\| --- \\|\\n((?:\\|[^\\n]*\\n)+)")
                .matcher(doc);
        assertThat(table.find())
                .as("docs/monitoring.md has the table of failure reasons")
                .isTrue();
        List<String> documented = new ArrayList<>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z_]+)` \\|").matcher(table.group(1));
        while (row.find()) {
            documented.add(row.group(1));
        }
        assertThat(documented)
                .as("the reasons of georeg_replication_failures_total in docs/monitoring.md")
                .containsExactlyElementsOf(Stream.of(FailureReason.values())
                        .map(FailureReason::label)
                        .toList());
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
