package io.georeg.replicator.bench;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.georeg.db.Database;
import java.util.concurrent.locks.LockSupport;

/**
 * How many of a replica's pooled connections are busy at once during a benchmark run: HikariCP's
 * own counts (active, total, threads waiting for one) sampled every half millisecond on a thread
 * of its own, from {@link #start} to {@link #close}. Says how many connections the replicator's
 * workers really need, beside how many the pool opened. Used by {@link ReplicationBenchmark}.
 */
final class PoolSampler implements AutoCloseable {
    private static final long PERIOD_NANOS = 500_000;

    private final HikariPoolMXBean pool;
    private final int maxPoolSize;
    /** Samples by how many connections were active: {@code [k]} counts the samples with k active. */
    private final long[] byActive;

    private volatile boolean running = true;
    private long samples;
    private int peakActive;
    private int peakTotal;
    private int peakPending;
    private long samplesWithPending;
    private Thread thread;

    private PoolSampler(HikariDataSource pool) {
        this.pool = pool.getHikariPoolMXBean();
        this.maxPoolSize = pool.getMaximumPoolSize();
        this.byActive = new long[maxPoolSize + 1];
    }

    static PoolSampler start(Database database) {
        PoolSampler sampler = new PoolSampler((HikariDataSource) database.dataSource());
        sampler.thread =
                Thread.ofPlatform().name("bench-pool-sampler").daemon(true).start(sampler::run);
        return sampler;
    }

    private void run() {
        while (running) {
            int active = pool.getActiveConnections();
            int total = pool.getTotalConnections();
            int pending = pool.getThreadsAwaitingConnection();
            samples++;
            byActive[Math.clamp(active, 0, maxPoolSize)]++;
            peakActive = Math.max(peakActive, active);
            peakTotal = Math.max(peakTotal, total);
            peakPending = Math.max(peakPending, pending);
            if (pending > 0) {
                samplesWithPending++;
            }
            LockSupport.parkNanos(PERIOD_NANOS);
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The summary, after {@link #close}: e.g. "active mean 2.1, p99 6, peak 9 of 16; …". */
    String describe() {
        if (samples == 0) {
            return "pool: no samples";
        }
        double sum = 0;
        for (int k = 0; k < byActive.length; k++) {
            sum += (double) k * byActive[k];
        }
        return ("pool (%d samples): active connections mean %.2f, p50 %d, p90 %d, p99 %d, peak %d of %d;"
                        + " %d opened at most; callers waiting for one in %.1f%% of samples (peak %d)")
                .formatted(
                        samples,
                        sum / samples,
                        activeAt(0.50),
                        activeAt(0.90),
                        activeAt(0.99),
                        peakActive,
                        maxPoolSize,
                        peakTotal,
                        100.0 * samplesWithPending / samples,
                        peakPending);
    }

    private int activeAt(double fraction) {
        long seen = 0;
        for (int k = 0; k < byActive.length; k++) {
            seen += byActive[k];
            if (seen >= fraction * samples) {
                return k;
            }
        }
        return byActive.length - 1;
    }
}
