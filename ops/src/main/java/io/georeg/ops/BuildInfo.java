package io.georeg.ops;

import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * Which georeg this is: the release version, taken at build time from {@code git describe} of the
 * commit built (tags {@code v<version>}; a build after a tag reads {@code 0.2.0-3-g1a2b3c4}, one
 * with uncommitted changes ends in {@code -dirty}), else the project version with the commit
 * ({@code 0.1.0-SNAPSHOT+g1a2b3c4}), else, built outside a git checkout, the project version alone.
 * Named by {@code georeg version}, the version-skew guard's messages and the
 * {@code georeg_build_info} metric every component serves.
 *
 * @param version the release version, e.g. {@code 0.2.0}
 * @param revision the abbreviated commit, or {@code unknown} outside a git checkout
 */
public record BuildInfo(String version, String revision) {
    private static final BuildInfo CURRENT = load();

    /** This binary's build. */
    public static BuildInfo current() {
        return CURRENT;
    }

    /**
     * Reads a build from the project version and the output of {@code git describe --tags --match
     * 'v[0-9]*' --always --dirty} (empty when git was not there).
     */
    static BuildInfo of(String projectVersion, String describe) {
        String d = describe == null ? "" : describe.strip();
        if (d.isEmpty()) {
            return new BuildInfo(projectVersion, "unknown");
        }
        String clean = d.endsWith("-dirty") ? d.substring(0, d.length() - "-dirty".length()) : d;
        // <tag>-<commits since>-g<hash>, or <tag> on the tagged commit, or a bare hash without tags.
        String revision = clean.matches(".*-\\d+-g[0-9a-f]+") ? clean.substring(clean.lastIndexOf("-g") + 2) : null;
        if (clean.startsWith("v") && clean.length() > 1 && Character.isDigit(clean.charAt(1))) {
            return new BuildInfo(d.substring(1), revision == null ? d.substring(1) : revision);
        }
        return new BuildInfo(projectVersion + "+g" + d, clean);
    }

    /** {@code georeg <version>}, how messages name this binary. */
    public String label() {
        return "georeg " + version;
    }

    /** Registers {@code georeg_build_info{version, revision, java}} (always 1) on a process's registry. */
    public void register(PrometheusRegistry registry) {
        Info.builder()
                .name("georeg_build_info")
                .help("The running georeg build: version (from the git tag), revision and Java runtime; always 1")
                .labelNames("version", "revision", "java")
                .register(registry)
                .setLabelValues(version, revision, Runtime.version().toString());
    }

    private static BuildInfo load() {
        Properties build = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                build.load(in);
            }
            String describe;
            try (InputStream git = BuildInfo.class.getResourceAsStream("git-describe")) {
                describe = git == null ? "" : new String(git.readAllBytes(), StandardCharsets.UTF_8);
            }
            return of(build.getProperty("version", "development build"), describe);
        } catch (IOException e) {
            throw new UncheckedIOException("reading georeg's build information failed", e);
        }
    }
}
