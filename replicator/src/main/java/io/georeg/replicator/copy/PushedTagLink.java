package io.georeg.replicator.copy;

import io.georeg.oci.Digest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replicator.primary.FetchedManifest;
import io.georeg.replicator.primary.PrimaryContent;
import io.georeg.replicator.queue.WorkItem;
import io.georeg.replicator.queue.WorkOperation;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits, briefly, for the primary to show a pushed tag that its notification announced.
 *
 * <p>distribution notifies a tag push as soon as it has stored the manifest, and links the tag
 * only after that (the event is sent from a queue of its own while the request goes on), so a
 * replicator that is quick enough asks for the tag before the primary shows it: the tag is not
 * there yet (404), or still at the digest it had before the push. Taken as the truth, that answer
 * removed the tag from the replica, or kept its old digest, until the next reconcile, and nothing
 * said so: images pushed and never replicated.
 *
 * <p>So when a tag row carries a push whose manifest the primary has, while the primary shows the
 * tag elsewhere, the tag is asked for again after short pauses, until it shows the pushed digest
 * or moves (a newer change on the primary), or the pauses run out (the push was overtaken: a later
 * push or a delete of the tag; or the event's digest was only a hint, e.g. older than the row's
 * latest event). Then the primary's answer is the truth, as always: the wait only decides
 * <em>when</em> the tag is read, never what it becomes. A manifest the primary does not have means
 * the push was undone, and is not waited for.
 *
 * <p>A tag the primary does not have at all is waited for longest ({@link #PAUSES}): that is what
 * a new tag looks like in the race, and nothing else than a delete of the tag explains it. A tag
 * the primary shows at another digest is waited for briefly ({@link #OVERWRITE_PAUSES}): clients
 * racing pushes of one tag make that the common case (the row's digest is the event with the
 * newest timestamp, the tag is the last link written), and the row runs again for every push, so a
 * long wait there held the tag's replication back by seconds for each.
 */
final class PushedTagLink {
    private static final Logger LOG = LoggerFactory.getLogger(PushedTagLink.class);
    /**
     * The pauses between reads of a tag the primary does not have yet: about 3 s in all, far longer
     * than distribution takes between notifying a push and linking its tag, even on a loaded host,
     * and short enough that a worker waiting for an overtaken push is not missed.
     */
    static final List<Duration> PAUSES = List.of(
            Duration.ofMillis(50),
            Duration.ofMillis(100),
            Duration.ofMillis(200),
            Duration.ofMillis(400),
            Duration.ofMillis(800),
            Duration.ofMillis(1600));

    /** The pauses for a tag the primary shows at another digest: a third of a second in all. */
    static final List<Duration> OVERWRITE_PAUSES = PAUSES.subList(0, 3);

    private final PrimaryContent primary;

    PushedTagLink(PrimaryContent primary) {
        this.primary = primary;
    }

    /**
     * The primary's answer for {@code tag}, read again while it does not show the push that
     * {@code item} carries yet.
     *
     * @param shown what the primary answered for the tag just now
     */
    Optional<FetchedManifest> settle(WorkItem item, RepositoryName repository, Tag tag, Optional<FetchedManifest> shown)
            throws InterruptedException {
        Optional<Digest> pushed = item.digest().filter(d -> item.operation() == WorkOperation.PUSH_MANIFEST);
        if (pushed.isEmpty() || digestOf(shown).equals(pushed)) {
            return shown;
        }
        if (primary.headManifest(repository, new Reference.ByDigest(pushed.get()))
                .isEmpty()) {
            return shown;
        }
        Optional<FetchedManifest> current = shown;
        for (Duration pause : shown.isEmpty() ? PAUSES : OVERWRITE_PAUSES) {
            Thread.sleep(pause);
            Optional<FetchedManifest> again = primary.manifest(repository, new Reference.ByTag(tag));
            if (!digestOf(again).equals(digestOf(current))) {
                LOG.debug(
                        "{}:{}: the primary shows the tag {} now (it showed {})",
                        repository,
                        tag,
                        describe(digestOf(again)),
                        describe(digestOf(shown)));
                return again;
            }
            current = again;
        }
        LOG.info(
                "{}:{}: pushed at {} (the primary has that manifest) but the primary still shows the tag {};"
                        + " taking the primary's answer (a later change overtook the push, or the event was older than the tag's last change)",
                repository,
                tag,
                pushed.get(),
                describe(digestOf(current)));
        return current;
    }

    private static Optional<Digest> digestOf(Optional<FetchedManifest> manifest) {
        return manifest.map(FetchedManifest::digest);
    }

    private static String describe(Optional<Digest> digest) {
        return digest.map(d -> "at " + d).orElse("nowhere");
    }
}
