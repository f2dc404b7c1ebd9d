package io.georeg.replicator.metrics;

import io.georeg.oci.Digest;
import io.georeg.ops.MetricBuilders;
import io.georeg.replicator.verify.VerifyObserver;
import io.georeg.replicator.verify.VerifyOutcome;
import io.georeg.replicator.verify.VerifyTarget;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * The verifier's Prometheus metrics: results by target and outcome, bytes re-hashed, and repairs
 * requested. Registered once per process by the replicator's wiring and handed to the
 * {@link io.georeg.replicator.verify.Verifier} as its observer; label children are resolved up
 * front because the verifier reports every object.
 */
public final class VerifyMetrics implements VerifyObserver {
    private final Map<VerifyTarget, Map<VerifyOutcome, CounterDataPoint>> results = new EnumMap<>(VerifyTarget.class);
    private final Counter bytes;
    private final Counter repairs;

    public VerifyMetrics(PrometheusRegistry registry) {
        Counter verifications = MetricBuilders.counter()
                .name("georeg_replication_verifications_total")
                .help("Stored objects re-verified, by target (blob, manifest) and result (ok, failed, missing, error)")
                .labelNames("target", "result")
                .register(registry);
        for (VerifyTarget target : VerifyTarget.values()) {
            Map<VerifyOutcome, CounterDataPoint> byOutcome = new EnumMap<>(VerifyOutcome.class);
            for (VerifyOutcome outcome : VerifyOutcome.values()) {
                byOutcome.put(outcome, verifications.labelValues(target.label(), outcome.label()));
            }
            results.put(target, byOutcome);
        }
        bytes = MetricBuilders.counter()
                .name("georeg_replication_verified_bytes_total")
                .help("Bytes re-hashed by the verifier")
                .register(registry);
        repairs = MetricBuilders.counter()
                .name("georeg_replication_verify_repairs_total")
                .help("Re-copies of bad objects requested by the verifier (queued=false: nothing links the object)")
                .labelNames("target", "queued")
                .register(registry);
        // At 0 from the start, as the results above: the first repair after a start is then an increase.
        for (VerifyTarget target : VerifyTarget.values()) {
            for (boolean queued : new boolean[] {false, true}) {
                repairs.labelValues(target.label(), Boolean.toString(queued));
            }
        }
    }

    @Override
    public void verified(VerifyTarget target, Digest digest, VerifyOutcome outcome) {
        results.get(target).get(outcome).inc();
    }

    @Override
    public void bytesVerified(long count) {
        bytes.inc(count);
    }

    @Override
    public void repairRequested(VerifyTarget target, Digest digest, boolean queued) {
        repairs.labelValues(target.label(), Boolean.toString(queued)).inc();
    }
}
