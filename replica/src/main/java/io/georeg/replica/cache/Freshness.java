package io.georeg.replica.cache;

import io.georeg.oci.RepositoryName;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Decides whether a cached mutable fact may still be served, in O(1) per change and per read.
 * Owned by {@link CachingReplicaReader}; {@link ChangeListener} feeds it.
 *
 * <p>A fact is stored with the {@link Stamp} taken <em>before</em> the database query that
 * produced it and is valid while nothing its stamp covers has moved since: the listener is up
 * and has not reconnected ({@code epoch}), no change notification named its repository (a
 * generation per stripe of repository names: an unrelated repository hashing to the same stripe
 * only costs a miss), and, for blob facts, no blob changed servability. Because the stamp
 * precedes the query, a change that commits while a query runs always invalidates what that
 * query returns: either the query saw the change, or the change's notification moves a
 * generation after the stamp was taken.
 *
 * <p>How late a notification may arrive is bounded too: a fact is served only while the listener
 * has proven, within the last {@code horizon} ({@code replica.cache.tagTtl}), that it had caught
 * up with every change committed before then (its heartbeat came back: {@link
 * #caughtUp(long)}). So any change committed more than {@code horizon} before a read has moved
 * its generation before that read, however long the fact has been cached: the bound the routers'
 * read-your-writes fences rely on, which a TTL on every fact gave before at the price of
 * re-reading every key each {@code horizon}. A listener that stops hearing its heartbeats (a
 * half-open connection, a stalled thread) makes the cache bypassed within {@code horizon}.
 */
final class Freshness {
    private static final int STRIPES = 4096;

    private final AtomicLongArray repositoryGenerations = new AtomicLongArray(STRIPES);
    private final AtomicLong blobGeneration = new AtomicLong();
    /**
     * Each stripe's last stamp, handed out again while nothing it covers moved, so that the facts
     * cached meanwhile share one (a {@link Stamp}'s fields are final: a racy read sees it whole).
     */
    private final Stamp[] lastStamps = new Stamp[STRIPES];

    private final AtomicLong epoch = new AtomicLong();
    private volatile boolean listening;
    private final long horizonNanos;
    private final LongSupplier nanoClock;
    /** Facts may be served until this {@code nanoClock} reading (the last heartbeat's send plus the horizon). */
    private volatile long caughtUpUntil;

    Freshness(long horizonNanos) {
        this(horizonNanos, System::nanoTime);
    }

    Freshness(long horizonNanos, LongSupplier nanoClock) {
        this.horizonNanos = horizonNanos;
        this.nanoClock = nanoClock;
        this.caughtUpUntil = nanoClock.getAsLong();
    }

    /** What a fact read now is valid against; null when nothing may be cached (no listener). */
    Stamp stamp(RepositoryName repository) {
        long e = epoch.get();
        if (!listening) {
            return null;
        }
        int stripe = stripe(repository);
        long generation = repositoryGenerations.get(stripe);
        long blobs = blobGeneration.get();
        Stamp last = lastStamps[stripe];
        if (last != null
                && last.epoch == e
                && last.repositoryGeneration == generation
                && last.blobGeneration == blobs) {
            return last;
        }
        Stamp s = new Stamp(e, stripe, generation, blobs);
        lastStamps[stripe] = s;
        return s;
    }

    boolean valid(Stamp s, boolean blobFact) {
        return listening
                && nanoClock.getAsLong() - caughtUpUntil < 0
                && s.epoch == epoch.get()
                && s.repositoryGeneration == repositoryGenerations.get(s.stripe)
                && (!blobFact || s.blobGeneration == blobGeneration.get());
    }

    boolean listening() {
        return listening;
    }

    /** The listener has just executed LISTEN: everything cached before may have missed changes. */
    void listenerConnected() {
        caughtUpUntil = nanoClock.getAsLong();
        epoch.incrementAndGet();
        listening = true;
    }

    /**
     * Every change committed before {@code sentNanos} (a reading of the clock, taken before the
     * heartbeat was sent) has been applied: facts may be served until {@code sentNanos + horizon}.
     */
    void caughtUp(long sentNanos) {
        long until = sentNanos + horizonNanos;
        if (until - caughtUpUntil > 0) {
            caughtUpUntil = until;
        }
    }

    /** The listener lost its connection (or stops): bypass the cache until it is back. */
    void listenerDisconnected() {
        listening = false;
        caughtUpUntil = nanoClock.getAsLong();
        epoch.incrementAndGet();
    }

    void repositoryChanged(RepositoryName repository) {
        repositoryGenerations.incrementAndGet(stripe(repository));
    }

    void blobChanged() {
        blobGeneration.incrementAndGet();
    }

    void anythingChanged() {
        epoch.incrementAndGet();
    }

    private static int stripe(RepositoryName repository) {
        int h = repository.value().hashCode();
        return (h ^ (h >>> 16)) & (STRIPES - 1);
    }

    record Stamp(long epoch, int stripe, long repositoryGeneration, long blobGeneration) {}
}
