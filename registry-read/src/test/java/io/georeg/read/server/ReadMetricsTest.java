package io.georeg.read.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The endpoint label of registry-read's request metrics, by the distribution spec's paths. */
class ReadMetricsTest {

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource({
        "/v2/, base",
        "/v2/_catalog, catalog",
        "/v2/library/alpine/tags/list, tags",
        "/v2/library/alpine/manifests/latest, manifest",
        "/v2/library/alpine/manifests/sha256:abc, manifest",
        "/v2/library/alpine/blobs/sha256:abc, blob",
        "/v2/library/alpine/referrers/sha256:abc, referrers",
        // names may have components that look like endpoints: the last one decides
        "/v2/team/blobs/app/manifests/v1, manifest",
        "/v2/team/manifests/app/blobs/sha256:abc, blob",
        "/v2/tags/list/manifests/1, manifest",
        "/v2/library/alpine, other",
        "/metrics, other",
        "/, other"
    })
    void pathsAreLabelledWithTheirEndpointKind(String path, String endpoint) {
        assertThat(ReadMetrics.endpoint(path)).isEqualTo(endpoint);
    }
}
