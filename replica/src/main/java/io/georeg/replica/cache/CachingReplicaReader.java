package io.georeg.replica.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.georeg.db.DatabaseConfig;
import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.ReplicaReader;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A {@link ReplicaReader} that answers the hot reads — manifest by tag or digest, blob size —
 * from memory, in front of the database reader. Built and started by the {@code georeg serve}
 * wiring (one per process); tests build it the same way.
 *
 * <p>Two kinds of facts are cached. Content-addressed ones (a manifest's bytes and media type by
 * digest) never change and are kept up to {@code maxManifestBytes}. Mutable ones (tag → digest, a
 * manifest or blob linked to a repository, a blob being servable) are served only while they are
 * provably current ({@link Freshness}): the process's {@link ChangeListener} is connected, has
 * proven by a heartbeat within the last {@code tagTtl} that it had heard every change committed
 * before, and no change notification touched them since the query that produced them; a lost
 * listener bypasses the cache, a reconnect flushes it. They have no age limit of their own (they
 * were held at most {@code tagTtl} before, so a key read less often than that always missed):
 * only {@code maxEntries} bounds them, and once that many are held (in the {@link FactTable}'s
 * segment the key falls in) a new key enters only when it
 * missed once before, not long ago ({@link Doorkeeper}): a miss over more keys than fit then costs
 * the query alone, not an insert and an eviction too. A fact is its key's 128-bit hash ({@link
 * FactKey}), a tag's or linked manifest's {@code Digest} (the cached manifest's instance) or a
 * linked blob's size, and the {@link Freshness.Stamp} it is valid against: about 35 bytes. Misses are
 * never cached, so anything newly stored (a pushed manifest, a replicated blob) is visible as
 * soon as its transaction commits; an overwritten tag, a deleted manifest or an unlinked or
 * failed blob within the notification latency (the commit's NOTIFY reaching this process).
 *
 * <p>Tags lists, the catalog and referrers are not cached: they are not on the pull hot path.
 */
public final class CachingReplicaReader implements ReplicaReader, AutoCloseable {
    private final ReplicaReader delegate;
    private final Freshness freshness;
    private final ChangeListener listener;
    /** Content-addressed: valid for ever, bounded by bytes. */
    private final Cache<Digest, StoredManifest> manifestContent;
    /** Mutable: valid while {@link Freshness} says so, bounded by count. */
    private final FactTable facts;

    private final Doorkeeper doorkeeper;

    public CachingReplicaReader(ReplicaReader delegate, DatabaseConfig database, ReplicaCacheOptions options) {
        this.delegate = delegate;
        this.freshness = new Freshness(options.tagTtl().toNanos());
        // Four heartbeats per horizon: a late one or two do not yet bypass the cache.
        Duration heartbeat = options.tagTtl().dividedBy(4);
        this.listener = new ChangeListener(
                database,
                options.reconnectDelay(),
                heartbeat.toMillis() < 1 ? Duration.ofMillis(1) : heartbeat,
                freshness);
        this.manifestContent = Caffeine.newBuilder()
                .maximumWeight(options.maxManifestBytes())
                .weigher((Digest d, StoredManifest m) ->
                        m.content().length + m.mediaType().length() + 64)
                .build();
        this.facts = new FactTable(options.maxEntries());
        this.doorkeeper = new Doorkeeper(options.maxEntries());
    }

    /** Starts the change listener; until it has connected, every read goes to the database. */
    public CachingReplicaReader start() {
        listener.start();
        return this;
    }

    /** True while the change listener is connected and cached facts may be served. */
    public boolean listening() {
        return freshness.listening();
    }

    @Override
    public boolean repositoryExists(RepositoryName repository) {
        return delegate.repositoryExists(repository);
    }

    @Override
    public Optional<StoredManifest> manifest(RepositoryName repository, Reference reference) {
        FactKey key = switch (reference) {
            case Reference.ByTag t -> FactKey.of(TAG, repository, t.tag().value());
            case Reference.ByDigest d ->
                FactKey.of(MANIFEST, repository, d.digest().toString());
        };
        FactTable.Held fact = facts.get(key);
        if (fact != null && freshness.valid(fact.stamp(), false)) {
            StoredManifest content = manifestContent.getIfPresent((Digest) fact.value());
            if (content != null) {
                return Optional.of(content);
            }
        }
        Freshness.Stamp stamp = freshness.stamp(repository);
        Optional<StoredManifest> found = delegate.manifest(repository, reference);
        if (found.isPresent()) {
            StoredManifest m = found.get();
            // One instance per digest: the facts below share its Digest instead of each holding one.
            StoredManifest held = manifestContent.asMap().putIfAbsent(m.digest(), m);
            Digest digest = held == null ? m.digest() : held.digest();
            if (stamp != null && admit(key, fact)) {
                facts.put(key, digest, stamp);
                if (reference instanceof Reference.ByTag) {
                    facts.put(FactKey.of(MANIFEST, repository, digest.toString()), digest, stamp);
                }
            }
        }
        return found;
    }

    /** {@inheritDoc} Cached with the blob's servability (the verifier's state) as of the query. */
    @Override
    public Optional<Long> blobSize(RepositoryName repository, Digest digest) {
        FactKey key = FactKey.of(BLOB, repository, digest.toString());
        FactTable.Held fact = facts.get(key);
        if (fact != null && freshness.valid(fact.stamp(), true)) {
            return Optional.of((Long) fact.value());
        }
        Freshness.Stamp stamp = freshness.stamp(repository);
        Optional<Long> size = delegate.blobSize(repository, digest);
        if (size.isPresent() && stamp != null && admit(key, fact)) {
            facts.put(key, size.get(), stamp);
        }
        return size;
    }

    /**
     * Whether a fact just read from the database enters the cache: always when it replaces one
     * (a stale fact of the same key: no eviction) or the cache has room; once it is full, only a
     * key that missed before within the {@link Doorkeeper}'s window, so that a spread of keys
     * wider than the cache does not pay an insert and an eviction on every miss and push out
     * the facts that are read again.
     */
    private boolean admit(FactKey key, FactTable.Held previous) {
        return previous != null || facts.hasRoomFor(key) || doorkeeper.seenBefore((int) key.low());
    }

    @Override
    public InputStream openBlob(Digest digest, long offset, long length) {
        return delegate.openBlob(digest, offset, length);
    }

    /** {@inheritDoc} The database's trigger drops the cached servability of the blob. */
    @Override
    public void quarantineBlob(Digest digest, String evidence) {
        delegate.quarantineBlob(digest, evidence);
    }

    @Override
    public Optional<URI> blobRedirect(Digest digest) {
        return delegate.blobRedirect(digest);
    }

    @Override
    public List<Tag> tags(RepositoryName repository, String last, int limit) {
        return delegate.tags(repository, last, limit);
    }

    @Override
    public List<TaggedDigest> taggedDigests(RepositoryName repository, String last, int limit) {
        return delegate.taggedDigests(repository, last, limit);
    }

    @Override
    public List<Digest> untaggedManifests(RepositoryName repository, String last, int limit) {
        return delegate.untaggedManifests(repository, last, limit);
    }

    @Override
    public List<RepositoryName> catalog(String last, int limit) {
        return delegate.catalog(last, limit);
    }

    @Override
    public List<Descriptor> referrers(RepositoryName repository, Digest subject, Optional<String> artifactType) {
        return delegate.referrers(repository, subject, artifactType);
    }

    /** Stops the change listener (the cache is bypassed from then on) and drops what is cached. */
    @Override
    public void close() {
        listener.close();
        facts.clear();
        manifestContent.invalidateAll();
    }

    private static final char TAG = 't';
    private static final char MANIFEST = 'm';
    private static final char BLOB = 'b';
}
