package io.georeg.router.fence;

import io.georeg.db.DatabaseConfig;
import io.georeg.db.DedicatedConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This router's fence lease (table {@code router_fence_leases}, migration V19): what lets a read
 * trust the {@link FenceView} in memory ({@link #trustedGeneration}) instead of reading the fence
 * generation from the database first. Started by {@link io.georeg.router.Router} beside the
 * view, on a platform thread and a connection of its own ({@value #APPLICATION_NAME}).
 *
 * <p>While the view is live it renews every lease/4: it drops its grant (no read trusts the
 * renewal before from here on), reads {@link System#nanoTime()} ({@code t_send}), upserts its row
 * ({@code renewed_at = now()}, {@code expires_at = now() + lease}, {@code acked_generation} = the
 * view's applied generation) and, once that committed, reads the fence generation in a new
 * statement as {@code required}. The local lease lasts until {@code t_send + 0.9 lease}: the
 * database's {@code now()} is later than {@code t_send}, so the local lease ends before the row's
 * {@code expires_at} even when this process's clock runs up to 10% slow against the database's.
 * When the view applies a generation the keeper writes it as {@code acked_generation} at once.
 *
 * <p>Why a read that trusts the view sees every fence committed before it began (say generation
 * G, by another router, whose client saw the answer and then read here). That router, after G
 * committed, took the database's {@code now()} as T1 and waited until none of the other routers'
 * rows renewed at or before T1 was unexpired with {@code acked_generation < G} ({@link
 * ReadYourWrites#record}, {@link FenceStore#unacked}). Take the renewal whose grant the read
 * trusted, its row's {@code renewed_at} s. (a) s after T1: that renewal began after G committed,
 * so its {@code required} includes G, and the read trusts the view only once it has applied G.
 * (b) s at or before T1: no later renewal had begun when the read looked (the grant is dropped
 * before a renewal is sent), so the writer's last check saw this renewal's row, and it was
 * either acked at G or later — the view had applied G, and a view that applied G holds every
 * fence up to G for as long as it stays connected (a reconnect reloads everything and starts a
 * new {@link FenceView#epoch}, which voids the grant) — or expired ({@code s + lease} at or before
 * the check, and the local lease ended before that), or absent (a row is deleted on a disconnect,
 * which voids the grant). So a write waits at most each counted row's own lease: a router whose
 * view is stuck while its lease connection renews delays writes by one lease, not for ever. A new
 * router registers by the same first renewal.
 * A disconnect of the view voids the lease at once, deletes the row (best effort) and stops
 * renewing until the view is connected again. While a router of the release before runs (its
 * LISTEN connection is named {@value FenceView#PREVIOUS_APPLICATION_NAME}), writes through it do
 * not wait for acks: the lease is not trusted while such a connection exists at a renewal.
 */
public final class FenceLease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FenceLease.class);
    static final String APPLICATION_NAME = "georeg-router-fence-lease";

    private static final String RENEW = """
            INSERT INTO router_fence_leases (instance, acked_generation, renewed_at, expires_at)
            VALUES (?, ?, now(), now() + make_interval(secs => ?))
            ON CONFLICT (instance) DO UPDATE SET acked_generation = EXCLUDED.acked_generation,
                                                 renewed_at = EXCLUDED.renewed_at,
                                                 expires_at = EXCLUDED.expires_at
            """;

    // A new statement after the renewal committed: its snapshot holds every fence committed
    // before a writer found this row expired or absent.
    private static final String REQUIRED = """
            SELECT (SELECT generation FROM router_fence_generation),
                   EXISTS (SELECT 1 FROM pg_stat_activity
                            WHERE datname = current_database() AND application_name = ?)
            """;

    private static final String ACK = """
            UPDATE router_fence_leases SET acked_generation = greatest(acked_generation, ?) WHERE instance = ?
            """;

    private static final String RELEASE = """
            DELETE FROM router_fence_leases WHERE instance = ?
            """;

    // Rows of routers that died long ago (a router that stops deletes its own).
    private static final String FORGET_DEAD = """
            DELETE FROM router_fence_leases WHERE expires_at < now() - interval '1 hour'
            """;

    /** What one renewal granted: trusted while {@link #trustedGeneration} finds all of it still true. */
    private record Grant(long epoch, long validUntilNanos, long required, boolean mixedFleet) {}

    private final FenceView view;
    private final DatabaseConfig database;
    private final Duration lease;
    private final long leaseNanos;
    private final String instance = "router-" + UUID.randomUUID();
    /** {@link System#nanoTime()}, or a test's clock. */
    private final LongSupplier nanoTime;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Guarded by the lock: set by the view's watcher, cleared when the keeper looked. */
    private boolean viewChanged;
    /**
     * Guarded by the lock: whether {@link #lastRenewalNanos} holds a time yet. nanoTime's origin is
     * arbitrary (it may be 0 or negative), so no value of it can stand for "never renewed".
     */
    private boolean renewalTimed;
    /** Guarded by the lock: when the keeper last renewed (or tried) or found the view not live. */
    private long lastRenewalNanos;

    private volatile Grant grant;
    private volatile boolean running;
    private Thread thread;
    /** The keeper thread's own. */
    private Connection connection;

    private long renewedEpoch = -1;
    /** Whether the latest renewal found a router of the release before (logged once per appearance). */
    private boolean mixedFleetSeen;

    private long acked = -1;
    private boolean registered;

    /** @param lease how long a renewal holds; positive */
    public FenceLease(FenceView view, DatabaseConfig database, Duration lease) {
        this(view, database, lease, System::nanoTime);
    }

    FenceLease(FenceView view, DatabaseConfig database, Duration lease, LongSupplier nanoTime) {
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("a fence lease must be positive, got " + lease);
        }
        this.view = view;
        this.database = database;
        this.lease = lease;
        this.leaseNanos = lease.toNanos();
        this.nanoTime = nanoTime;
        view.watch(this::viewChanged);
    }

    public synchronized FenceLease start() {
        if (thread != null) {
            throw new IllegalStateException("the fence lease is already started");
        }
        running = true;
        thread = Thread.ofPlatform().daemon().name("georeg-fence-lease").start(this::run);
        return this;
    }

    /** This router's row in {@code router_fence_leases}, which its own writes do not wait for. */
    public String instance() {
        return instance;
    }

    public Duration lease() {
        return lease;
    }

    /**
     * The generation the view is trusted to cover for a read that arrived before this call, or -1
     * when it is not trusted (the read then asks the database). Non-blocking: two volatile reads,
     * a clock read and the view's state.
     */
    public long trustedGeneration() {
        Grant g = grant;
        if (g == null || g.mixedFleet() || nanoTime.getAsLong() - g.validUntilNanos() >= 0) {
            return -1;
        }
        if (!view.live() || view.epoch() != g.epoch() || view.applied() < g.required()) {
            return -1;
        }
        return g.required();
    }

    /** Whether a read arriving now would trust the view (the {@code georeg_router_fence_lease_trusted} gauge). */
    public boolean trusted() {
        return trustedGeneration() >= 0;
    }

    private void viewChanged() {
        lock.lock();
        try {
            viewChanged = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        try {
            while (running) {
                awaitWork();
                if (!running) {
                    break;
                }
                try {
                    step();
                } catch (SQLException | RuntimeException e) {
                    // The local lease runs out by itself; the row expires by itself. Try again later.
                    LOG.debug("fence lease: database round trip failed", e);
                    closeConnection();
                }
            }
        } finally {
            // The keeper alone uses its connection, to the end: close() only asks it to stop.
            grant = null;
            releaseAndDisconnect();
        }
    }

    /** Waits until the view changed or a renewal is due (from the last one, or a retry after lease/4). */
    private void awaitWork() {
        lock.lock();
        try {
            long left = nanosUntilDue();
            while (running && !viewChanged && left > 0) {
                left = changed.awaitNanos(left);
            }
            viewChanged = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * How long until a renewal is due: lease/4 after the last, at once before the first. Under the
     * lock, as the keeper writes the time it reads (and FenceLeaseTest reads it from another thread).
     */
    long nanosUntilDue() {
        lock.lock();
        try {
            return renewalTimed ? Math.max(0, leaseNanos / 4 - (nanoTime.getAsLong() - lastRenewalNanos)) : 0;
        } finally {
            lock.unlock();
        }
    }

    private void timeRenewal(long nanos) {
        lock.lock();
        try {
            lastRenewalNanos = nanos;
            renewalTimed = true;
        } finally {
            lock.unlock();
        }
    }

    private void step() throws SQLException {
        long epoch = view.epoch();
        if (!view.live()) {
            grant = null;
            if (registered) {
                registered = false; // once: the row expires by itself if this fails
                release();
            }
            timeRenewal(nanoTime.getAsLong()); // retry the view's state after lease/4 or on change
            return;
        }
        if (epoch != renewedEpoch || nanosUntilDue() == 0) {
            renew(epoch);
        } else if (view.applied() > acked) {
            ack(view.applied());
        }
    }

    private void renew(long epoch) throws SQLException {
        Connection c = connection();
        if (!registered) {
            try (PreparedStatement s = c.prepareStatement(FORGET_DEAD)) {
                s.executeUpdate();
            }
        }
        long applied = view.applied();
        // No read trusts the grant of the renewal before from here on: a writer stops waiting for
        // a row renewed after its fence committed (FenceStore.unacked), so from the moment this
        // renewal commits only a grant with its own, newer required generation may be trusted.
        grant = null;
        long sent = nanoTime.getAsLong();
        timeRenewal(sent); // a failed renewal is retried after lease/4 too
        try (PreparedStatement s = c.prepareStatement(RENEW)) {
            s.setString(1, instance);
            s.setLong(2, applied);
            s.setDouble(3, leaseNanos / 1e9);
            s.executeUpdate();
        }
        registered = true;
        acked = applied;
        long required;
        boolean mixed;
        try (PreparedStatement s = c.prepareStatement(REQUIRED)) {
            s.setString(1, FenceView.PREVIOUS_APPLICATION_NAME);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                required = rs.getLong(1);
                mixed = rs.getBoolean(2);
            }
        }
        if (mixed && !mixedFleetSeen) {
            LOG.warn(
                    "a router of the release before is connected ({}): reads ask the database for the fence"
                            + " generation until it is gone",
                    FenceView.PREVIOUS_APPLICATION_NAME);
        }
        mixedFleetSeen = mixed;
        renewedEpoch = epoch;
        // A grant of an epoch the view has left is never installed (and would never be trusted).
        grant = view.epoch() == epoch ? new Grant(epoch, sent + leaseNanos / 10 * 9, required, mixed) : null;
    }

    private void ack(long applied) throws SQLException {
        try (PreparedStatement s = connection().prepareStatement(ACK)) {
            s.setLong(1, applied);
            s.setString(2, instance);
            s.executeUpdate();
        }
        acked = applied;
    }

    private void release() throws SQLException {
        try (PreparedStatement s = connection().prepareStatement(RELEASE)) {
            s.setString(1, instance);
            s.executeUpdate();
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = DedicatedConnection.open(database, APPLICATION_NAME);
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("closing the fence lease connection failed", e);
            }
            connection = null;
        }
    }

    /** Stops renewing and deletes the row (best effort: otherwise it expires within one lease). */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            t = thread;
            thread = null;
        }
        if (t == null) {
            return;
        }
        grant = null;
        running = false;
        viewChanged();
        try {
            t.join(TimeUnit.SECONDS.toMillis(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            // Stuck in a database round trip: it deletes the row when that returns, or the row expires.
            LOG.warn("the fence lease keeper did not stop within 15 s; its row expires within {}", lease);
        }
    }

    private void releaseAndDisconnect() {
        try {
            if (registered) {
                release();
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("fence lease: could not delete its row; it expires within {}", lease, e);
        } finally {
            closeConnection();
        }
    }
}
