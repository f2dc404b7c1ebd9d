package io.georeg.app.release;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.ops.BuildInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A release names one version in three places: the git tag {@code v<version>} (the jar's version,
 * {@link BuildInfo}), the chart's {@code appVersion} (the image tag) and its heading in
 * CHANGELOG.md. This test keeps them in step: the changelog has an Unreleased section and the
 * chart's version, and a build of a tagged commit carries the chart's version.
 */
class ReleaseVersionTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theChartsAppVersionIsAReleaseOfTheChangelogAndOfATaggedBuild() throws IOException {
        Matcher app = Pattern.compile("(?m)^appVersion: *\"?([^\"\\s]+)\"?$")
                .matcher(Files.readString(ROOT.resolve("charts/georeg/Chart.yaml")));
        assertThat(app.find()).as("Chart.yaml has an appVersion").isTrue();
        String appVersion = app.group(1);

        String changelog = Files.readString(ROOT.resolve("CHANGELOG.md"));
        assertThat(changelog).contains("\n## [Unreleased]\n").contains("\n## [" + appVersion + "]");

        String built = BuildInfo.current().version();
        if (built.matches("\\d+\\.\\d+\\.\\d+")) {
            assertThat(built)
                    .as("a build of a release tag carries the chart's appVersion")
                    .isEqualTo(appVersion);
        }
    }
}
