package io.georeg.replicator.reconcile;

import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.ParsedManifest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.ReplicaReader;
import io.georeg.replicator.primary.CatalogRefusedException;
import io.georeg.replicator.primary.ManifestHead;
import io.georeg.replicator.primary.PrimaryCatalog;
import io.georeg.replicator.primary.PrimaryContent;
import io.georeg.replicator.primary.Referrer;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconcile crawl: compares the primary's catalog and tags with the replica and queues what
 * differs, through the same work queue the notifications feed (so a crawl and an event for the
 * same tag coalesce). For each replicated repository: a tag missing on the replica or pointing
 * elsewhere is queued for copy, a replica tag the primary no longer has is queued for delete, the
 * manifest such a tag named is queued for delete (with what it references) when the primary no
 * longer has it by digest either, so is a manifest no tag names and no index lists that the
 * primary no longer has (its garbage collector sends no notification), and referrers the
 * primary's referrers API lists that the replica lacks are queued (tag-schema referrers are tags
 * and come with the tags). A full pass also queues tag deletes for replicated repositories that
 * left the primary's catalog. Repairs what notifications missed (distribution
 * loses queued events on restart) and is all a polling-mode site has.
 *
 * <p>The crawl only decides which tags to look at: like an event, its request is applied by the
 * worker from the primary's answer when the item runs (see the copy worker's tag truth), so a
 * crawl that saw a tag a moment before it moved cannot move the replica back.
 *
 * <p>Run by {@code georeg reconcile}/{@code georeg preheat} and by the scheduled pass; every pass
 * is recorded ({@link ReconcileRuns}) for {@code georeg status}.
 */
public final class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    private static final String SOURCE = "reconcile";
    private static final int REPLICA_PAGE = 1000;
    /** Repositories crawled at once; small, the crawl shares the primary with the copy workers. */
    static final int CRAWL_PARALLELISM = 4;
    /** How deep {@link #queueIfLost} follows indexes (the copy's own bound). */
    private static final int MAX_INDEX_DEPTH = 4;

    private final PrimaryContent primary;
    private final PrimaryCatalog catalog;
    private final ReplicaReader replica;
    private final WorkQueue queue;
    private final RepositoryFilter filter;
    private final List<String> namespaces;
    private final ReconcileRuns runs;
    private final ReconcileObserver observer;

    public Reconciler(
            PrimaryContent primary,
            PrimaryCatalog catalog,
            ReplicaReader replica,
            WorkQueue queue,
            SyncConfig sync,
            ReconcileRuns runs,
            ReconcileObserver observer) {
        this(primary, catalog, replica, queue, sync, sync.filter(), runs, observer);
    }

    /**
     * @param filter what this reconciler replicates: {@code sync}'s filter, limited to one primary's
     *               repositories when the secondary serves several (so a pass over one primary's
     *               catalog never removes what another primary owns)
     */
    public Reconciler(
            PrimaryContent primary,
            PrimaryCatalog catalog,
            ReplicaReader replica,
            WorkQueue queue,
            SyncConfig sync,
            RepositoryFilter filter,
            ReconcileRuns runs,
            ReconcileObserver observer) {
        this.primary = primary;
        this.catalog = catalog;
        this.replica = replica;
        this.queue = queue;
        this.filter = filter;
        this.namespaces = sync.namespaces();
        this.runs = runs;
        this.observer = observer;
    }

    /**
     * A full pass over every replicated repository the primary lists (its catalog, or the
     * configured namespaces), plus {@code extra} (e.g. preheat).
     */
    public ReconcileSummary reconcileAll(List<RepositoryName> extra, ReconcileProgress progress) {
        Instant started = Instant.now();
        Set<RepositoryName> onPrimary = new LinkedHashSet<>();
        List<String> listingErrors = new ArrayList<>();
        List<String> refusedNamespaces = new ArrayList<>();
        boolean listed = true;
        if (namespaces.isEmpty()) {
            try {
                catalog.forEachCatalogRepository(onPrimary::add);
            } catch (CatalogRefusedException e) {
                observer.listingRefused();
                if (extra.isEmpty()) {
                    throw e;
                }
                LOG.warn("reconcile crawls only the preheat repositories: {}", e.getMessage());
                listingErrors.add(e.getMessage());
                listed = false;
            }
        } else {
            for (String namespace : namespaces) {
                try {
                    catalog.forEachRepositoryUnder(namespace, onPrimary::add);
                } catch (CatalogRefusedException e) {
                    // This namespace is not ours to list; the others are crawled all the same.
                    observer.listingRefused();
                    LOG.warn("reconcile skips namespace {}: {}", namespace, e.getMessage());
                    listingErrors.add(namespace + ": " + e.getMessage());
                    refusedNamespaces.add(namespace);
                }
            }
        }
        Set<RepositoryName> scope = new LinkedHashSet<>();
        onPrimary.stream().filter(filter::replicates).forEach(scope::add);
        scope.addAll(extra);
        // Replicated repositories the primary dropped from what it listed: their tags go too.
        for (RepositoryName r : listed ? replicaRepositories() : List.<RepositoryName>of()) {
            if (!onPrimary.contains(r) && filter.replicates(r) && inNamespaces(r, refusedNamespaces)) {
                scope.add(r);
            }
        }
        ReconcileSummary summary = crawl(List.copyOf(scope), progress);
        return recorded(started, true, listingErrors.isEmpty() ? summary : summary.withErrors(listingErrors));
    }

    /**
     * A pass over the repositories at or below {@code path}, on the replica and on the primary:
     * what a repository rename or delete on the primary asks for. The replica's repositories
     * there lose the tags the primary no longer has (all of them when the path moved away) and
     * the primary's gain theirs, each tag decided by the primary's answer when its work runs.
     * Without the primary's listing (refused, or a kind that cannot list a path) only the replica's
     * repositories and {@code path} itself are crawled.
     *
     * @param withBelow false: {@code path} only (a repository deleted), true: also every repository below it
     */
    public ReconcileSummary reconcilePath(RepositoryName path, boolean withBelow) {
        Set<RepositoryName> scope = new LinkedHashSet<>();
        scope.add(path);
        if (withBelow) {
            for (RepositoryName r : replicaRepositories()) {
                if (r.value().startsWith(path.value() + "/")) {
                    scope.add(r);
                }
            }
            try {
                catalog.forEachRepositoryUnder(path.value(), scope::add);
            } catch (CatalogRefusedException e) {
                observer.listingRefused();
                LOG.warn("reconcile of {} and below crawls only what the replica has: {}", path, e.getMessage());
            }
        }
        List<RepositoryName> replicated =
                scope.stream().filter(filter::replicates).toList();
        return crawl(replicated, ReconcileProgress.NONE);
    }

    /** Whether a listing that succeeded covers the repository (a refused namespace tells nothing). */
    private boolean inNamespaces(RepositoryName repository, List<String> refused) {
        return namespaces.isEmpty()
                || namespaces.stream()
                        .filter(n -> !refused.contains(n))
                        .anyMatch(n -> repository.value().equals(n)
                                || repository.value().startsWith(n + "/"));
    }

    /**
     * A pass over the named repositories only (what {@code georeg preheat repo} and tests use).
     * Up to {@link #CRAWL_PARALLELISM} repositories are crawled at once: the crawl is a chain of
     * small requests (tags list, the replica's tags, a HEAD per tag the replica has), so one at a
     * time it is bound by round trips, and each repository's work is queued as soon as it is known, so the
     * workers start copying while the crawl goes on.
     */
    public ReconcileSummary reconcile(List<RepositoryName> repositories, ReconcileProgress progress) {
        return recorded(Instant.now(), false, crawl(repositories, progress));
    }

    private ReconcileSummary recorded(Instant started, boolean fullPass, ReconcileSummary summary) {
        try {
            runs.record(started, fullPass, summary);
        } catch (RuntimeException e) {
            // The pass itself is done and its work queued; only the status loses this pass.
            LOG.warn("could not record the reconcile pass ({}): {}", summary, e.toString());
        }
        return summary;
    }

    private ReconcileSummary crawl(List<RepositoryName> repositories, ReconcileProgress progress) {
        Instant started = Instant.now();
        progress.started(repositories.size());
        Counts counts = new Counts();
        List<String> errors = new ArrayList<>();
        int threads = Math.min(CRAWL_PARALLELISM, repositories.size());
        if (threads == 0) {
            return counts.summary(0, errors, started);
        }
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        Runnable crawler = () -> {
            for (int i = next.getAndIncrement(); i < repositories.size(); i = next.getAndIncrement()) {
                RepositoryName repository = repositories.get(i);
                try {
                    reconcileRepository(repository, counts);
                } catch (RuntimeException e) {
                    LOG.warn("reconcile of {} failed: {}", repository, e.toString());
                    synchronized (errors) {
                        errors.add(repository + ": " + e.getMessage());
                    }
                }
                synchronized (progress) {
                    progress.repositoryDone(repository, done.incrementAndGet(), repositories.size());
                }
            }
        };
        List<Thread> crawlers = new ArrayList<>();
        for (int t = 1; t < threads; t++) {
            crawlers.add(Thread.ofPlatform().name("georeg-reconcile-" + t).start(crawler));
        }
        crawler.run(); // the caller's thread crawls too
        for (Thread t : crawlers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                crawlers.forEach(Thread::interrupt);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("reconcile interrupted", e);
            }
        }
        return counts.summary(repositories.size(), errors, started);
    }

    /** Queues one tag of the primary as it is now (preheat of {@code repo:tag}); false when the primary has no such tag. */
    public boolean reconcileTag(RepositoryName repository, Tag tag) {
        Optional<ManifestHead> head = primary.headManifest(repository, new Reference.ByTag(tag));
        head.ifPresent(
                h -> queue.enqueue(List.of(WorkRequest.tagPush(repository, tag, h.digest(), Instant.now(), SOURCE))));
        return head.isPresent();
    }

    /**
     * Compares one repository's tags: the primary's tags list first, then the replica's tags with
     * their digests (one query per page), then a {@code HEAD} for each tag the replica has, whose
     * digest decides whether it moved. A tag the replica lacks is queued without one: the worker's
     * own {@code GET} of the tag is the answer that counts, and a {@code HEAD} before it would only
     * tell the same sooner (initial replication: every tag). It still gets its {@code HEAD} while the
     * primary may have a referrers API, which is asked by the tag's digest.
     */
    private void reconcileRepository(RepositoryName repository, Counts counts) {
        List<WorkRequest> work = new ArrayList<>();
        // Manifests a replica tag named that the primary's tag no longer names: the primary may
        // have deleted them without a notification reaching us (see queueIfLost).
        Set<Digest> leftBehind = new LinkedHashSet<>();
        List<Tag> onPrimary = catalog.tags(repository);
        Map<String, Digest> onReplica = replicaTags(repository);
        for (Tag tag : onPrimary) {
            counts.tagsChecked.incrementAndGet();
            Optional<Digest> have = Optional.ofNullable(onReplica.remove(tag.value()));
            if (have.isEmpty() && !counts.referrersApi) {
                work.add(WorkRequest.tagSync(repository, tag, Instant.now(), SOURCE));
                counts.pushes.incrementAndGet();
                continue;
            }
            Optional<Digest> primaryDigest =
                    primary.headManifest(repository, new Reference.ByTag(tag)).map(ManifestHead::digest);
            if (primaryDigest.isEmpty()) {
                continue; // deleted between the tags list and now
            }
            Digest want = primaryDigest.get();
            if (!have.equals(Optional.of(want))) {
                work.add(WorkRequest.tagPush(repository, tag, want, Instant.now(), SOURCE));
                counts.pushes.incrementAndGet();
                have.ifPresent(leftBehind::add);
            }
            if (counts.referrersApi) {
                Optional<List<Referrer>> referrers = primary.referrersApi(repository, want);
                if (referrers.isEmpty()) {
                    counts.referrersApi = false; // the primary has no referrers API: tag schema only
                } else {
                    for (Referrer r : referrers.get()) {
                        if (replica.manifest(repository, new Reference.ByDigest(r.digest()))
                                .isEmpty()) {
                            work.add(WorkRequest.manifestPush(repository, r.digest(), Instant.now(), SOURCE));
                            counts.referrers.incrementAndGet();
                        }
                    }
                }
            }
        }
        for (Map.Entry<String, Digest> tag : onReplica.entrySet()) { // what is left: tags the primary did not list
            work.add(WorkRequest.tagDelete(repository, Tag.of(tag.getKey()), Instant.now(), SOURCE));
            counts.deletes.incrementAndGet();
            leftBehind.add(tag.getValue());
        }
        // Then the manifests no tag names and no index lists (pushed by digest, or left behind when
        // their tag moved on): the primary's garbage collector (garbage-collect
        // --delete-untagged, GitLab's online collector) removes them without a notification, and no
        // tag leads the crawl to them; without this the replica served them by digest for good.
        // One HEAD per such manifest a pass.
        leftBehind.addAll(
                allPages((last, limit) -> replica.untaggedManifests(repository, last, limit), Digest::toString));
        for (Digest manifest : leftBehind) {
            queueIfLost(repository, manifest, 0, work);
        }
        queue.enqueue(work);
    }

    /**
     * When the primary no longer has {@code manifest} by digest, queues the deletes it would have
     * notified had it deleted it (by digest, or by its garbage collector): the manifest's, and those of what the replica stores with it
     * (an index's children, a manifest's config and layers) that the primary no longer has either.
     * Each is the worker's delete of a digest, which checks the primary again. Without them the
     * replica kept serving by digest, for good, a manifest whose tag the reconcile removed. A blob
     * the primary still has is not queued: distribution answers a manifest {@code HEAD} of a digest
     * linked as a layer with a 500 (it reads the layer as a manifest), which the delete would retry.
     */
    private void queueIfLost(RepositoryName repository, Digest manifest, int depth, List<WorkRequest> work) {
        if (primary.headManifest(repository, new Reference.ByDigest(manifest)).isPresent()) {
            return;
        }
        work.add(WorkRequest.digestDelete(repository, manifest, Instant.now(), SOURCE));
        Optional<ReplicaReader.StoredManifest> stored = replica.manifest(repository, new Reference.ByDigest(manifest));
        if (stored.isEmpty() || depth >= MAX_INDEX_DEPTH) {
            return;
        }
        ParsedManifest parsed =
                ManifestParser.parse(stored.get().content(), stored.get().mediaType());
        for (Descriptor child : parsed.children()) {
            queueIfLost(repository, child.digest(), depth + 1, work);
        }
        for (Descriptor blob : parsed.blobs()) {
            if (!primary.blobExists(repository, blob.digest())) {
                work.add(WorkRequest.digestDelete(repository, blob.digest(), Instant.now(), SOURCE));
            }
        }
    }

    /** The replica's tags of the repository with their digests, in lexical order. */
    private Map<String, Digest> replicaTags(RepositoryName repository) {
        Map<String, Digest> all = new LinkedHashMap<>();
        allPages(
                        (last, limit) -> replica.taggedDigests(repository, last, limit),
                        t -> t.tag().value())
                .forEach(t -> all.put(t.tag().value(), t.digest()));
        return all;
    }

    /**
     * Every row of a keyset-paged listing of the replica, {@link #REPLICA_PAGE} at a time: {@code
     * page} answers the rows after a key (null: from the start), {@code key} is a row's key.
     */
    private static <T> List<T> allPages(BiFunction<String, Integer, List<T>> page, Function<T, String> key) {
        List<T> all = new ArrayList<>();
        String last = null;
        while (true) {
            List<T> rows = page.apply(last, REPLICA_PAGE);
            all.addAll(rows);
            if (rows.size() < REPLICA_PAGE) {
                return all;
            }
            last = key.apply(rows.get(rows.size() - 1));
        }
    }

    private List<RepositoryName> replicaRepositories() {
        return allPages(replica::catalog, RepositoryName::value);
    }

    /** Totals of one pass, added to by the crawler threads. */
    private static final class Counts {
        final AtomicInteger tagsChecked = new AtomicInteger();
        final AtomicInteger pushes = new AtomicInteger();
        final AtomicInteger deletes = new AtomicInteger();
        final AtomicInteger referrers = new AtomicInteger();
        volatile boolean referrersApi = true;

        ReconcileSummary summary(int repositories, List<String> errors, Instant started) {
            return new ReconcileSummary(
                    repositories,
                    tagsChecked.get(),
                    pushes.get(),
                    deletes.get(),
                    referrers.get(),
                    List.copyOf(errors),
                    Duration.between(started, Instant.now()));
        }
    }
}
