package io.georeg.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BuildInfoTest {

    @Test
    void aTaggedCommitIsItsTagsVersion() {
        assertThat(BuildInfo.of("0.2.0-SNAPSHOT", "v0.2.0\n")).isEqualTo(new BuildInfo("0.2.0", "0.2.0"));
    }

    @Test
    void commitsAfterATagCountFromIt() {
        assertThat(BuildInfo.of("0.3.0-SNAPSHOT", "v0.2.0-3-g1a2b3c4"))
                .isEqualTo(new BuildInfo("0.2.0-3-g1a2b3c4", "1a2b3c4"));
        assertThat(BuildInfo.of("0.3.0-SNAPSHOT", "v0.2.0-3-g1a2b3c4-dirty"))
                .isEqualTo(new BuildInfo("0.2.0-3-g1a2b3c4-dirty", "1a2b3c4"));
    }

    @Test
    void withoutATagTheProjectVersionCarriesTheCommit() {
        assertThat(BuildInfo.of("0.1.0-SNAPSHOT", "1a2b3c4"))
                .isEqualTo(new BuildInfo("0.1.0-SNAPSHOT+g1a2b3c4", "1a2b3c4"));
    }

    @Test
    void outsideAGitCheckoutTheProjectVersionAlone() {
        assertThat(BuildInfo.of("0.1.0-SNAPSHOT", "")).isEqualTo(new BuildInfo("0.1.0-SNAPSHOT", "unknown"));
        assertThat(BuildInfo.of("0.1.0-SNAPSHOT", null)).isEqualTo(new BuildInfo("0.1.0-SNAPSHOT", "unknown"));
    }

    @Test
    void thisBuildKnowsItsVersionAndServesItAsAMetric() throws Exception {
        BuildInfo current = BuildInfo.current();
        assertThat(current.version()).isNotBlank().doesNotContain("${");
        PrometheusRegistry registry = new PrometheusRegistry();
        current.register(registry);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("georeg_build_info{")
                .contains("version=\"" + current.version() + "\"")
                .contains("revision=\"" + current.revision() + "\"");
    }
}
