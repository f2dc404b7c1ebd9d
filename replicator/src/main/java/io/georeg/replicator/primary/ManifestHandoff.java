package io.georeg.replicator.primary;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Manifests the reconcile crawl fetched by tag, kept briefly so that the copy of the same
 * manifest by digest (moments later, in this process) does not fetch it from the primary again:
 * during an initial replication every tag is missing, and the crawl needs each one's digest
 * anyway, so a GET instead of a HEAD costs the primary nothing more and saves the copy's GET.
 *
 * <p>Content-addressed and already verified against its digest, so an entry can only be stale in
 * one way, a manifest deleted on the primary in between, which is the same race a fetch a moment
 * earlier has; entries are taken once, and bounded by count, bytes and age so nothing lingers.
 * Owned by {@link PrimaryContent}; thread-safe.
 */
final class ManifestHandoff {
    static final int MAX_ENTRIES = 1024;
    static final long MAX_BYTES = 16L * 1024 * 1024;
    static final Duration MAX_AGE = Duration.ofMinutes(2);

    private final Clock clock;
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(); // guarded by this, oldest first
    private long bytes; // guarded by this

    ManifestHandoff(Clock clock) {
        this.clock = clock;
    }

    synchronized void offer(RepositoryName repository, FetchedManifest manifest) {
        if (manifest.content().length > MAX_BYTES / 16) {
            return; // a huge index is rare; not worth crowding out the rest
        }
        Entry old = entries.remove(new Key(repository, manifest.digest()));
        if (old != null) {
            bytes -= old.manifest().content().length;
        }
        Instant now = clock.instant();
        entries.put(new Key(repository, manifest.digest()), new Entry(manifest, now));
        bytes += manifest.content().length;
        Iterator<Map.Entry<Key, Entry>> oldest = entries.entrySet().iterator();
        while (oldest.hasNext()) {
            Entry e = oldest.next().getValue();
            if (entries.size() <= MAX_ENTRIES && bytes <= MAX_BYTES && !expired(e, now)) {
                break;
            }
            bytes -= e.manifest().content().length;
            oldest.remove();
        }
    }

    /** The manifest, once, when the crawl fetched it recently; empty otherwise. */
    synchronized Optional<FetchedManifest> take(RepositoryName repository, Digest digest) {
        Entry entry = entries.remove(new Key(repository, digest));
        if (entry == null) {
            return Optional.empty();
        }
        bytes -= entry.manifest().content().length;
        return expired(entry, clock.instant()) ? Optional.empty() : Optional.of(entry.manifest());
    }

    private static boolean expired(Entry entry, Instant now) {
        return Duration.between(entry.at(), now).compareTo(MAX_AGE) > 0;
    }

    synchronized int size() {
        return entries.size();
    }

    private record Key(RepositoryName repository, Digest digest) {
    }

    private record Entry(FetchedManifest manifest, Instant at) {
    }
}
