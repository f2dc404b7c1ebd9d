package io.georeg.router.fence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.db.DatabaseConfig;
import io.georeg.oci.MediaTypes;
import io.georeg.router.proxy.Upstream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-your-writes: no read through any router instance returns a state older than a write that
 * went through one of them. A write the primary accepted records its fences ({@link #record},
 * before the client sees the answer); a read that a fence pins ({@link FencedRead#isPinnedBy})
 * goes to the primary ({@link #pinned}) until the replica shows what the write left, checked by
 * asking the replica as the client (its {@code Authorization}) — which clears the fence; a push
 * pins the catalog while the replica's tables do not know its repository. The
 * referrers API is corrected instead of pinned ({@link #referrerCorrections}). A manifest or blob
 * deleted is shown only once the replica has applied that delete — its tombstone, newer than
 * the delete generation read before the delete went to the primary ({@link
 * #replicaDeleteGeneration}) — and lacks the content: a replica that only lacks it may be about
 * to store a copy that read the primary before the delete.
 *
 * <p>Across router instances by construction: a fence another router recorded is committed
 * before that write's answer, but its notification may reach this process's {@link FenceView}
 * after a read that began once the answer was out. Two ways keep such a read from missing it.
 * With a fence lease ({@link FenceLease}, {@code router.fenceLease}): a write's answer waits
 * until every other router holding an unexpired lease has acked the write's generation ({@link
 * #record}), and a read whose lease is trusted checks the view in memory ({@link
 * #trustedGeneration}) — the class comment of {@link FenceLease} says why that is enough. Without
 * a trusted lease a read first reads the fence generation (one single-row query, shared by
 * concurrent reads: {@link LatestGeneration}) and uses the view only when the view covers it;
 * otherwise, and while the view is not live, it asks the table.
 *
 * <p>Called by the router's legs; blocking (a database query, requests to the replica), run on
 * the server's virtual threads.
 */
public final class ReadYourWrites implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReadYourWrites.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long ACK_POLL_MAX_MILLIS = 20;

    private final FenceStore store;
    private final FenceView view;
    private final HttpClient httpClient;
    private final Upstream replica;
    private final Duration checkTimeout;
    private final LatestGeneration generation;
    /** The generation query's own connections; null without a view, the only reason to ask for the generation. */
    private final GenerationQuery generationQuery;
    /**
     * The threads the generation queries run on: platform threads, since a virtual thread parked in
     * the JDBC read goes through the poller (an epoll registration and a hand-off per query).
     */
    private final ExecutorService generationThreads;
    /** This router's lease, null when it holds none (no view, or {@code router.fenceLease} 0). */
    private final FenceLease lease;
    /**
     * How long a write waits after its fences committed when the leases cannot be read: the longer
     * of this router's lease (zero when off) and the longest any unexpired row held at a read of the rows since
     * this router started, so that a router with a longer lease has expired by then too. Never
     * shrinks: a router whose row is briefly gone (its view reconnecting) comes back with the same
     * lease.
     */
    private final AtomicLong fallbackWaitNanos;
    /** Whether the routers' differing leases were logged (once per process). */
    private final AtomicBoolean leasesDifferLogged = new AtomicBoolean();

    /**
     * @param view     this process's fences in memory, or null to query the table for every read
     * @param database the tracking database's settings for the generation query's own connections
     *                 (null without a view)
     */
    public ReadYourWrites(
            FenceStore store,
            FenceView view,
            DatabaseConfig database,
            HttpClient httpClient,
            Upstream replica,
            Duration checkTimeout) {
        this(store, view, null, Duration.ZERO, database, httpClient, replica, checkTimeout);
    }

    /**
     * @param lease         this router's fence lease, null for none
     * @param leaseDuration this router's {@code router.fenceLease} (zero: off), which a write waits
     *                      at least when it cannot read the other routers' leases
     */
    public ReadYourWrites(
            FenceStore store,
            FenceView view,
            FenceLease lease,
            Duration leaseDuration,
            DatabaseConfig database,
            HttpClient httpClient,
            Upstream replica,
            Duration checkTimeout) {
        this.store = store;
        this.view = view;
        this.lease = lease;
        this.fallbackWaitNanos = new AtomicLong(leaseDuration.toNanos());
        this.httpClient = httpClient;
        this.replica = replica;
        this.checkTimeout = checkTimeout;
        this.generationQuery = view == null || database == null ? null : new GenerationQuery(database);
        // Created on demand (none until the first query), reused while busy; at most the queries in
        // flight and the rounds being answered at once.
        this.generationThreads = Executors.newCachedThreadPool(
                Thread.ofPlatform().daemon().name("fence-generation-", 0).factory());
        this.generation = new LatestGeneration(
                generationQuery == null ? store::generation : generationQuery,
                LatestGeneration.DEFAULT_MAX_IN_FLIGHT,
                generationThreads);
    }

    /** Stops the generation queries' threads and closes their connections; called by the router as it stops. */
    @Override
    public void close() {
        generationThreads.shutdown();
        if (generationQuery != null) {
            generationQuery.close();
        }
    }

    /**
     * The replica's delete generation, read before a manifest or blob delete goes to the primary
     * and recorded with its fence ({@link Fence.Write#manifestDeleted}); blocking.
     */
    public long replicaDeleteGeneration() {
        return store.replicaDeleteGeneration();
    }

    /**
     * Records the fences of a write to {@code repository} that the primary accepted, and waits
     * until every other router whose lease is unexpired has acked their generation ({@link
     * FenceLease}): the write's answer goes out after this returns. Blocking.
     *
     * @return nanoseconds spent waiting for the acks
     */
    public long record(String repository, List<Fence.Write> writes) {
        if (writes.isEmpty()) {
            return 0;
        }
        long generation = store.record(writes);
        long committed = System.nanoTime();
        boolean reloaded = reloadView(repository);
        LOG.debug("fenced {}: {} (generation {})", repository, writes, generation);
        awaitAcks(generation, committed, reloaded);
        return System.nanoTime() - committed;
    }

    /**
     * Puts the fences just recorded in this router's view; false when the reload failed. The
     * fences are committed by then, so a failure must not skip the wait for the acks: the answer
     * would go out before the other routers' views hold the fence.
     */
    private boolean reloadView(String repository) {
        if (view == null) {
            return true;
        }
        try {
            view.reload(repository);
            return true;
        } catch (RuntimeException e) {
            LOG.warn(
                    "could not reload the fences of {} into the view; the write waits for this router's own ack too",
                    repository,
                    e);
            return false;
        }
    }

    /**
     * Polls (1 ms, doubling to 20 ms) until no other router's lease renewed at or before the first
     * poll is unexpired with an ack below {@code generation} ({@link FenceStore#unacked}). Bounded:
     * each such row expires within its own lease; a row renewed later carries a {@code required}
     * generation that includes this one. Done by every router with a database, whatever its own
     * lease: a router that trusts its lease relies on each writer's wait. When the leases cannot be
     * read it waits from the commit the longest lease it knows of ({@link #fallbackWaitNanos}):
     * every lease of those routers valid at the commit has expired by then.
     */
    private void awaitAcks(long generation, long committedNanos, boolean ownViewReloaded) {
        long pauseMillis = 1;
        // A view that could not reload the fence may lack it while this router trusts its lease:
        // then its own row is waited for like any other.
        String self = lease == null || !ownViewReloaded ? null : lease.instance();
        try {
            FenceStore.Unacked first = store.unacked(self, generation, null);
            for (FenceStore.Unacked left = first;
                    noteLeases(left).count() > 0;
                    left = store.unacked(self, generation, first.now())) {
                Thread.sleep(pauseMillis);
                pauseMillis = Math.min(pauseMillis * 2, ACK_POLL_MAX_MILLIS);
            }
        } catch (RuntimeException e) {
            long wait = fallbackWaitNanos.get();
            LOG.warn(
                    "cannot read the routers' fence leases; waiting the longest lease known ({}) before answering the write",
                    Duration.ofNanos(wait),
                    e);
            long left = wait - (System.nanoTime() - committedNanos);
            if (left > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(left);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Remembers the longest lease of the rows just read, for a write that cannot read them, and logs
     * once that the routers' leases differ. A router with a longer lease than any row read so far
     * (started while the rows could not be read) is still not waited for: docs/consistency.md.
     */
    private FenceStore.Unacked noteLeases(FenceStore.Unacked read) {
        long longest = read.longestLease().toNanos();
        long before = fallbackWaitNanos.getAndAccumulate(longest, Math::max);
        if (read.shortestLease().compareTo(read.longestLease()) < 0 && !leasesDifferLogged.getAndSet(true)) {
            LOG.warn(
                    "the routers' fence leases (router.fenceLease) differ, from {} to {}; a write that cannot read"
                            + " the leases waits the longest one seen, now {}",
                    read.shortestLease(),
                    read.longestLease(),
                    Duration.ofNanos(Math.max(before, longest)));
        }
        return read;
    }

    /**
     * The generation the fence view is trusted to cover for a read that arrived before this call
     * ({@link FenceLease#trustedGeneration}): then the read checks the view in memory, with no
     * query and no thread hand-off. -1 when it is not trusted. Non-blocking.
     */
    public long trustedGeneration() {
        return lease == null ? -1 : lease.trustedGeneration();
    }

    /**
     * Whether a fence pins the read to the primary. A fence whose write the replica already
     * shows is cleared on the way, once it has settled ({@link FenceStore#settling}); for the catalog, a push pins it only while the replica does
     * not know its repository.
     */
    public boolean pinned(FencedRead read, HttpFields clientHeaders) {
        return pinned(read, clientHeaders, viewIsCurrent());
    }

    /**
     * As {@link #pinned(FencedRead, HttpFields)}, with the fence generation already read (by
     * {@link #generation()} since the read began).
     */
    public boolean pinned(FencedRead read, HttpFields clientHeaders, long generation) {
        return pinned(read, clientHeaders, view != null && view.covers(generation));
    }

    /**
     * Whether the fence view can answer reads without the table ({@link FenceView#live}): only
     * then does {@link #clearInView} ever clear one, so without it {@link #generation()} is not
     * worth asking.
     */
    public boolean viewLive() {
        return view != null && view.live();
    }

    /**
     * The fence generation, read by a query that starts after this call (shared with the reads
     * that ask meanwhile), completed on the query's thread: a read waits for it without a thread
     * of its own.
     */
    public CompletableFuture<Long> generation() {
        return generation.request();
    }

    /**
     * Whether the fence view, holding every fence up to {@code generation}, shows that no fence
     * pins the read: then it goes to the replica with no blocking check. False when the view cannot
     * tell (behind, down) or a fence does pin it, which {@link #pinned(FencedRead, HttpFields, long)}
     * then decides. Non-blocking.
     */
    public boolean clearInView(FencedRead read, long generation) {
        if (view == null || !view.covers(generation)) {
            return false;
        }
        List<Fence> fences = read instanceof FencedRead.Catalog ? view.all() : view.fencesOf(read.repository());
        for (Fence fence : fences) {
            if (read.isPinnedBy(fence)) {
                return false;
            }
        }
        return true;
    }

    private boolean pinned(FencedRead read, HttpFields clientHeaders, boolean viewCurrent) {
        if (read instanceof FencedRead.Catalog) {
            return catalogPinned(viewCurrent);
        }
        Instant now = Instant.now();
        for (Fence fence : viewCurrent ? view.fencesOf(read.repository()) : store.liveOf(read.repository())) {
            if (!read.isPinnedBy(fence)) {
                continue;
            }
            // A settling fence stands whatever the replica shows: no replica check, no clear.
            if (store.settling(fence, now) || !replicaShows(fence, clientHeaders) || !clear(fence)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The fences that correct the replica's referrers list of {@code subject}: referrers pushed
     * or deleted through a router, and manifests deleted (a deleted referrer leaves every list).
     */
    public List<Fence> referrerCorrections(String repository, String subject) {
        return fencesOf(repository).stream()
                .filter(f -> (f.kind() == Fence.Kind.REFERRER && f.target().equals(subject))
                        || (f.kind() == Fence.Kind.MANIFEST && !f.present()))
                .toList();
    }

    /**
     * Clears the referrer fences that the replica's unfiltered list (the digests it lists)
     * already shows: a referrer pushed is listed, one deleted (or whose manifest was deleted
     * since) is not.
     */
    public void clearShownReferrers(List<Fence> corrections, Set<String> listed) {
        Set<String> deleted = deletedManifests(corrections);
        for (Fence f : corrections) {
            if (f.kind() == Fence.Kind.REFERRER
                    && (f.present() && !deleted.contains(f.digest())) == listed.contains(f.digest())) {
                clear(f);
            }
        }
    }

    /** The manifests the corrections say were deleted. */
    public static Set<String> deletedManifests(List<Fence> corrections) {
        Set<String> deleted = new LinkedHashSet<>();
        for (Fence f : corrections) {
            if (!f.present()) {
                deleted.add(f.digest());
            }
        }
        return deleted;
    }

    /**
     * Whether a push pins the catalog: its repository is not yet one the replica knows. Asked of
     * the replica's tables, not of registry-read as the client: a client's catalog token
     * ({@code registry:catalog:*}) grants no read of the repositories themselves, so registry-read
     * would refuse the check and the catalog stayed pinned until each fence expired.
     */
    private boolean catalogPinned(boolean viewCurrent) {
        List<Fence> pushes = (viewCurrent ? view.all() : store.allLive())
                .stream().filter(new FencedRead.Catalog()::isPinnedBy).toList();
        Set<String> repositories = new LinkedHashSet<>();
        pushes.forEach(f -> repositories.add(f.repository()));
        return !repositories.isEmpty() && !store.knownToReplica(repositories).containsAll(repositories);
    }

    private List<Fence> fencesOf(String repository) {
        return viewIsCurrent() ? view.fencesOf(repository) : store.liveOf(repository);
    }

    /**
     * Whether the view holds every fence committed before now: in memory with a trusted lease,
     * else blocking (reads the generation).
     */
    private boolean viewIsCurrent() {
        return view != null && view.live() && (trustedGeneration() >= 0 || view.covers(generation.get()));
    }

    /** A replica shows the fence's write: clears it once every replica can be trusted to ({@link FenceStore#clearShown}). */
    private boolean clear(Fence fence) {
        if (!store.clearShown(fence)) {
            LOG.debug("replica shows {} {}:{}: fence settling", fence.kind(), fence.repository(), fence.target());
            return false;
        }
        if (view != null) {
            view.reload(fence.repository());
        }
        LOG.debug("replica shows {} {}:{}: fence cleared", fence.kind(), fence.repository(), fence.target());
        return true;
    }

    /**
     * Whether the replica shows what the fence's write left. For a manifest, blob or tag deleted, that
     * takes the delete applied (a tombstone, {@link FenceStore#deleteApplied}) as well as a 404:
     * a 404 alone is also what a replica answers that has not stored a copy yet, which may have
     * read the primary before the delete.
     */
    private boolean replicaShows(Fence f, HttpFields clientHeaders) {
        String name = "/v2/" + f.repository();
        return switch (f.kind()) {
            case TAG -> {
                if (!f.present() && !store.deleteApplied(f)) {
                    yield false;
                }
                ContentResponse head = send(HttpMethod.HEAD, name + "/manifests/" + f.target(), clientHeaders);
                yield head != null
                        && (f.present()
                                ? head.getStatus() == 200
                                        && f.digest().equals(head.getHeaders().get("Docker-Content-Digest"))
                                : head.getStatus() == 404);
            }
            case MANIFEST ->
                (f.present() || store.deleteApplied(f))
                        && status(HttpMethod.HEAD, name + "/manifests/" + f.target(), clientHeaders)
                                == (f.present() ? 200 : 404);
            case BLOB ->
                (f.present() || store.deleteApplied(f))
                        && status(HttpMethod.HEAD, name + "/blobs/" + f.target(), clientHeaders)
                                == (f.present() ? 200 : 404);
            case REFERRER -> {
                Set<String> listed = listedReferrers(f.repository(), f.target(), clientHeaders);
                yield listed != null && listed.contains(f.digest()) == f.present();
            }
        };
    }

    /** The digests the replica lists as referrers of {@code subject}, null when it cannot tell. */
    private Set<String> listedReferrers(String repository, String subject, HttpFields clientHeaders) {
        ContentResponse r = send(HttpMethod.GET, "/v2/" + repository + "/referrers/" + subject, clientHeaders);
        if (r == null || r.getStatus() != 200) {
            return null;
        }
        try {
            return digestsOf(JSON.readTree(r.getContent()));
        } catch (IOException e) {
            return null;
        }
    }

    /** The digests of an index's {@code manifests}. */
    public static Set<String> digestsOf(JsonNode index) {
        Set<String> digests = new LinkedHashSet<>();
        for (JsonNode m : index.path("manifests")) {
            digests.add(m.path("digest").asText());
        }
        return digests;
    }

    private int status(HttpMethod method, String path, HttpFields clientHeaders) {
        ContentResponse r = send(method, path, clientHeaders);
        return r == null ? -1 : r.getStatus();
    }

    /** A request to the replica as the client; null when it failed (cannot tell: the fence stays). */
    private ContentResponse send(HttpMethod method, String path, HttpFields clientHeaders) {
        try {
            return httpClient
                    .newRequest(replica.target(path, null))
                    .method(method)
                    .headers(h -> {
                        for (String value : clientHeaders.getValuesList(HttpHeader.AUTHORIZATION)) {
                            h.add(HttpHeader.AUTHORIZATION, value);
                        }
                        // What the replica stores under the reference, as the fence recorded it:
                        // not the representation the client's Accept would negotiate.
                        h.put(HttpHeader.ACCEPT, MediaTypes.ACCEPT_EVERY_MANIFEST);
                    })
                    .timeout(checkTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .send();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            LOG.debug("replica check {} {} failed", method, path, e);
            return null;
        }
    }
}
