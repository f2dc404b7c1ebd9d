package io.georeg.read.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.read.api.WholeBlobCheck;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
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
        assertThat(ReadMetrics.ENDPOINTS).contains(endpoint);
    }

    /** A rate or an increase sees no increase in a series' first sample: the known labels start at 0. */
    @Test
    void everyEndpointAndBlobCheckIsExportedAtZeroBeforeAnyRequest() {
        PrometheusRegistry registry = new PrometheusRegistry();
        ReadMetrics.of(registry);

        assertThat(labels(registry, "georeg_read_request_duration_seconds", "endpoint"))
                .containsExactlyInAnyOrderElementsOf(ReadMetrics.ENDPOINTS);
        assertThat(labels(registry, "georeg_read_sent_bytes", "endpoint"))
                .containsExactlyInAnyOrderElementsOf(ReadMetrics.ENDPOINTS);
        assertThat(labels(registry, "georeg_read_whole_blob_gets", "check"))
                .containsExactlyInAnyOrderElementsOf(Stream.of(WholeBlobCheck.values())
                        .map(WholeBlobCheck::label)
                        .toList());
    }

    private static List<String> labels(PrometheusRegistry registry, String metric, String label) {
        List<String> out = new ArrayList<>();
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot.getMetadata().getName().equals(metric)) {
                for (DataPointSnapshot point : snapshot.getDataPoints()) {
                    out.add(point.getLabels().get(label));
                }
            }
        }
        return out;
    }
}
