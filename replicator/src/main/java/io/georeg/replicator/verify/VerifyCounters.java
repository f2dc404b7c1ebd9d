package io.georeg.replicator.verify;

import io.georeg.oci.Digest;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Running totals of the verifier since the process started: results by target and outcome, bytes
 * hashed, re-copies queued. The replicator's metrics expose them as
 * {@code georeg_verify_results_total{target,outcome}}, {@code georeg_verify_bytes_total} and
 * {@code georeg_verify_repairs_total{target}}. Thread-safe.
 */
public final class VerifyCounters implements VerifyObserver {
    private final Map<VerifyTarget, Map<VerifyOutcome, LongAdder>> results = new EnumMap<>(VerifyTarget.class);
    private final Map<VerifyTarget, LongAdder> repairs = new EnumMap<>(VerifyTarget.class);
    private final LongAdder bytes = new LongAdder();

    public VerifyCounters() {
        for (VerifyTarget target : VerifyTarget.values()) {
            Map<VerifyOutcome, LongAdder> byOutcome = new EnumMap<>(VerifyOutcome.class);
            for (VerifyOutcome outcome : VerifyOutcome.values()) {
                byOutcome.put(outcome, new LongAdder());
            }
            results.put(target, byOutcome);
            repairs.put(target, new LongAdder());
        }
    }

    @Override
    public void verified(VerifyTarget target, Digest digest, VerifyOutcome outcome) {
        results.get(target).get(outcome).increment();
    }

    @Override
    public void bytesVerified(long n) {
        bytes.add(n);
    }

    @Override
    public void repairRequested(VerifyTarget target, Digest digest, boolean queued) {
        if (queued) {
            repairs.get(target).increment();
        }
    }

    public long results(VerifyTarget target, VerifyOutcome outcome) {
        return results.get(target).get(outcome).sum();
    }

    public long bytes() {
        return bytes.sum();
    }

    public long repairs(VerifyTarget target) {
        return repairs.get(target).sum();
    }
}
