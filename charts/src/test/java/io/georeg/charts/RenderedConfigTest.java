package io.georeg.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.georeg.app.config.ConfigKey;
import io.georeg.app.config.ConfigKeys;
import io.georeg.app.config.ConfigLoader;
import io.georeg.app.config.GeoregConfig;
import io.georeg.app.config.Primaries;
import io.georeg.app.config.PrimarySection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The configuration files the chart renders are read by georeg's own {@link ConfigLoader}, so a
 * key renamed in the code fails here rather than in a pod: every component's file (registry-read,
 * router, replicator) is loaded and validated, and every rendered key must be one of
 * {@link GeoregConfig}'s.
 */
class RenderedConfigTest {
    private static final String SECRET_DIR = "/etc/georeg/secrets";
    /** Sections the chart renders ahead of the app's wiring; each must stay in this list only until the app has it. */
    private static final Set<String> SECTIONS_AHEAD_OF_THE_APP = Set.of();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({
        "registry-read,",
        "registry-read,s3.yaml",
        "registry-read,gcs.yaml",
        "registry-read,ha.yaml",
        "router,",
        "router,ha.yaml",
        "router,gcs.yaml",
        "replicator,",
        "replicator,ha.yaml",
        "replicator,s3.yaml",
        "replicator,gitlab.yaml",
        "registry-read,cells.yaml",
        "router,cells.yaml",
        "replicator,cells.yaml"
    })
    void componentConfigIsAcceptedByGeoregsLoader(String component, String valuesFile) throws IOException {
        RenderedChart chart = RenderedChart.render(valuesFile);
        String yaml = chart.get("ConfigMap", RenderedChart.RELEASE + "-georeg-config")
                .path("data")
                .path(component + ".yaml")
                .asText();

        GeoregConfig config = new ConfigLoader(Map.of())
                .load(Optional.of(withSecretFiles(yaml)))
                .validateComponents();

        assertThat(config.components()).hasSize(1);
        assertThat(config.components().get(0).key()).isEqualTo(component);
    }

    @Test
    void aGitLabPrimaryIsListedByNamespaceWithTheDeployTokenFromItsSecretFile() throws IOException {
        RenderedChart chart = RenderedChart.render("gitlab.yaml");
        String yaml = chart.get("ConfigMap", RenderedChart.RELEASE + "-georeg-config")
                .path("data")
                .path("replicator.yaml")
                .asText();

        GeoregConfig config = new ConfigLoader(Map.of()).load(Optional.of(withSecretFiles(yaml)));

        var replicator = config.replicator();
        assertThat(replicator.primary().kind()).isEqualTo(io.georeg.replicator.primary.PrimaryKind.GITLAB);
        assertThat(replicator.primary().username()).isEqualTo("gitlab+deploy-token-7");
        assertThat(replicator.primary().password()).isEqualTo(secretFrom("primary-password"));
        assertThat(replicator.sync().namespaces()).containsExactly("acme", "platform/base-images");
        assertThat(replicator.sync().filter().replicates(io.georeg.oci.RepositoryName.of("acme/web/app")))
                .isTrue();
        assertThat(replicator.sync().filter().replicates(io.georeg.oci.RepositoryName.of("other/app")))
                .as("only what the deploy token can read")
                .isFalse();
        assertThat(replicator.sync().reconcileInterval()).isEqualTo(java.time.Duration.ofHours(1));
    }

    @ParameterizedTest
    @CsvSource({"router", "replicator"})
    void aProxysAccountAndNoProxyReachTheLoaderWithThePasswordFromItsSecretFile(String component) throws IOException {
        RenderedChart chart = RenderedChart.render(
                null,
                t -> t.set("primary.proxy", "http://proxy.corp.example:3128")
                        .set("primary.noProxy[0]", "auth.corp.example")
                        .set("primary.noProxy[1]", "10.0.0.0/8")
                        .set("primary.proxyUsername", "georeg")
                        .set("primary.proxyPassword", "proxy-secret"));
        String yaml = chart.get("ConfigMap", RenderedChart.RELEASE + "-georeg-config")
                .path("data")
                .path(component + ".yaml")
                .asText();

        GeoregConfig config = new ConfigLoader(Map.of()).load(Optional.of(withSecretFiles(yaml)));

        assertThat(config.primary().proxy()).hasToString("http://proxy.corp.example:3128");
        assertThat(config.primary().noProxy()).containsExactly("auth.corp.example", "10.0.0.0/8");
        assertThat(config.primary().proxyUsername()).isEqualTo("georeg");
        assertThat(config.primary().proxyPassword()).isEqualTo(secretFrom("primary-proxy-password"));
        assertThat(config.primary().takesProxy("auth.corp.example", 443)).isFalse();
        assertThat(config.primary().takesProxy("registry.example.com", 443)).isTrue();
    }

    @ParameterizedTest
    @CsvSource({"registry-read", "router", "replicator"})
    void threePrimariesRenderAConfigurationTheLoaderResolves(String component) throws IOException {
        RenderedChart chart = RenderedChart.render("cells.yaml");
        String yaml = chart.get("ConfigMap", RenderedChart.RELEASE + "-georeg-config")
                .path("data")
                .path(component + ".yaml")
                .asText();

        GeoregConfig config = new ConfigLoader(Map.of())
                .load(Optional.of(withSecretFiles(yaml)))
                .validateComponents();

        Primaries primaries = Primaries.of(config);
        assertThat(primaries.all()).extracting(PrimarySection::name).containsExactly("cell-1", "cell-2", "cell-3");
        assertThat(primaries.owners().ownerOf("acme/web/site")).contains("cell-3");
        assertThat(primaries.owners().ownerOf("umbrella/app")).contains("cell-1");
        PrimarySection cell2 = primaries.named("cell-2");
        assertThat(cell2.registryUrl()).hasToString("https://registry-2.example.com");
        if (component.equals("replicator")) {
            var source = primaries.sources(config).get(1);
            assertThat(source.intake().path()).isEqualTo("/events/cell-2");
            assertThat(source.intake().resolvedSecret()).isEqualTo(secretFrom("primary-cell-2-notification-secret"));
            assertThat(primaries.named("cell-1").passwordFile()).isNotNull();
            assertThat(source.primary().username()).isNull();
            assertThat(primaries.sources(config).get(0).primary().username()).isEqualTo("georeg-1");
        } else {
            assertThat(cell2.issuer()).isEqualTo("cell-2-issuer");
            assertThat(cell2.service()).isEqualTo("cell-2-registry");
        }
    }

    @Test
    void migrateConfigIsAcceptedByGeoregsLoader() throws IOException {
        RenderedChart chart = RenderedChart.render("ha.yaml", t -> t.set("migrations.hook", false));
        String yaml = chart.get("ConfigMap", RenderedChart.RELEASE + "-georeg-migrate")
                .path("data")
                .path("migrate.yaml")
                .asText();

        GeoregConfig config = new ConfigLoader(Map.of()).load(Optional.of(withSecretFiles(yaml)));

        assertThat(config.database().password()).isEqualTo(secretFrom("database-password"));
    }

    @ParameterizedTest
    @CsvSource({
        "router,ha.yaml",
        "replicator,ha.yaml",
        "router,primary-private-ca.yaml",
        "replicator,primary-private-ca.yaml",
        "router,s3.yaml",
        "replicator,s3.yaml",
        "registry-read,gcs.yaml"
    })
    void everyRenderedKeyIsAKeyOfTheConfigurationOnceTheAppHasItsSection(String component, String valuesFile) {
        Set<String> known = new TreeSet<>();
        Set<String> sections = new TreeSet<>();
        for (ConfigKey key : ConfigKeys.of(GeoregConfig.class)) {
            known.add(key.dotted());
            known.add(key.dotted() + "File");
            sections.add(key.path().get(0));
        }
        List<String> unknown = new ArrayList<>();
        List<String> ahead = new ArrayList<>();
        leaves(RenderedChart.render(valuesFile).config(component), "", (path) -> {
            String section = path.split("\\.")[0];
            if (!sections.contains(section)) {
                ahead.add(path);
            } else if (!known.contains(path)) {
                unknown.add(path);
            }
        });

        assertThat(unknown)
                .as("keys the chart renders that georeg does not have (see docs/configuration.md)")
                .isEmpty();
        assertThat(ahead.stream().map(p -> p.split("\\.")[0]).collect(Collectors.toSet()))
                .as("sections rendered before the app composes them")
                .isSubsetOf(SECTIONS_AHEAD_OF_THE_APP);
    }

    private static void leaves(JsonNode node, String prefix, java.util.function.Consumer<String> out) {
        if (node.isObject()) {
            node.fields()
                    .forEachRemaining(
                            e -> leaves(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out));
        } else {
            out.accept(prefix);
        }
    }

    /**
     * Writes the config with its secret files under the temp dir, each holding a recognisable value
     * as long as the longest minimum georeg enforces (the admin token's 32 characters).
     */
    private static String secretFrom(String file) {
        return "secret-from-" + file + "-padded-to-32-characters";
    }

    private Path withSecretFiles(String yaml) throws IOException {
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Matcher m = Pattern.compile(Pattern.quote(SECRET_DIR) + "/([A-Za-z0-9._-]+)")
                .matcher(yaml);
        while (m.find()) {
            Path file = secrets.resolve(m.group(1));
            String content = m.group(1).endsWith(".pem") ? selfSignedBundle() : secretFrom(m.group(1)) + "\n";
            Files.writeString(file, content);
        }
        Path config = dir.resolve("georeg.yaml");
        Files.writeString(config, yaml.replace(SECRET_DIR, secrets.toString()));
        return config;
    }

    private static String selfSignedBundle() {
        // Only readability is checked at load time; the bundle is parsed when token auth starts.
        return "-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n";
    }
}
