package io.georeg.app.config;

import io.georeg.ops.ApdexThresholds;

/**
 * The {@code metrics} section: the apdex thresholds of the request signals each component exports
 * ({@code georeg_http_apdex_total}); the chart sets them per component.
 */
public record MetricsSection(ApdexThresholds apdex) {
    public MetricsSection {
        apdex = apdex == null ? ApdexThresholds.defaults() : apdex;
    }

    public static MetricsSection defaults() {
        return new MetricsSection(ApdexThresholds.defaults());
    }

    void validate() {
        apdex.validate();
    }
}
