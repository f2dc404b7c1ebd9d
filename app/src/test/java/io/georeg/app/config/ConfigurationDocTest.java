package io.georeg.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Keeps docs/configuration.md and the configuration records in step, both ways. */
class ConfigurationDocTest {
    private static final Pattern ROW = Pattern.compile(
            "^\\|\\s*`([A-Za-z0-9_.]+)`\\s*\\|\\s*[^|]+\\|\\s*[^|]+\\|\\s*`?(GEOREG_[A-Z0-9_]+)`?\\s*\\|",
            Pattern.MULTILINE);

    private static String doc() throws IOException {
        Path docs = Path.of(System.getProperty("georeg.docs", "../docs"));
        return Files.readString(docs.resolve("configuration.md"));
    }

    private static Set<String> codeKeys() {
        return ConfigKeys.of(GeoregConfig.class).stream()
                .map(ConfigKey::dotted)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void everyKeyInCodeIsDocumentedAndEveryDocumentedKeyExists() throws IOException {
        Set<String> documented = new TreeSet<>();
        Matcher m = ROW.matcher(doc());
        while (m.find()) {
            documented.add(m.group(1));
        }
        Set<String> missingFromDoc = new TreeSet<>(codeKeys());
        missingFromDoc.removeAll(documented);
        Set<String> notInCode = new TreeSet<>(documented);
        notInCode.removeAll(codeKeys());
        assertThat(missingFromDoc)
                .as("keys in code but not in docs/configuration.md")
                .isEmpty();
        assertThat(notInCode)
                .as("keys in docs/configuration.md that no configuration record has")
                .isEmpty();
    }

    @Test
    void documentedEnvironmentVariableFollowsTheRule() throws IOException {
        Matcher m = ROW.matcher(doc());
        int rows = 0;
        while (m.find()) {
            rows++;
            String key = m.group(1);
            String expected = ConfigKeys.of(GeoregConfig.class).stream()
                    .filter(k -> k.dotted().equals(key))
                    .findFirst()
                    .map(ConfigKey::environmentVariable)
                    .orElse("(no such key)");
            assertThat(m.group(2))
                    .as("environment variable documented for " + key)
                    .isEqualTo(expected);
        }
        assertThat(rows).isEqualTo(codeKeys().size());
    }
}
