package io.georeg.replicator.copy;

import io.georeg.oci.Digest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replicator.primary.FetchedManifest;
import io.georeg.replicator.primary.PrimaryContent;
import io.georeg.replicator.queue.WorkDeferredException;
import io.georeg.replicator.queue.WorkItem;
import io.georeg.replicator.queue.WorkOperation;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Gives the primary a moment to show a pushed tag that its notification announced.
 *
 * <p>distribution notifies a tag push as soon as it has stored the manifest, and links the tag
 * only after that (the event is sent from a queue of its own while the request goes on), so a
 * replicator that is quick enough asks for the tag before the primary shows it: the tag is not
 * there yet (404), or still at the digest it had before the push. Taken as the truth, that answer
 * removed the tag from the replica, or kept its old digest, until the next reconcile, and nothing
 * said so: images pushed and never replicated.
 *
 * <p>So when a tag row carries a push whose manifest the primary has, while the primary shows the
 * tag elsewhere, the row is deferred ({@link WorkDeferredException}: it runs again after
 * {@link #DELAYS}, or at once when a newer request for the tag comes, without counting as a
 * failure) and nothing is written. After the deferrals the primary's answer is the truth, as
 * always: the push was overtaken (a later push or a delete of the tag), or the row's digest was
 * only a hint (the event with the newest timestamp, while the tag holds the last link written:
 * clients racing pushes of one tag). The deferral only decides <em>when</em> the tag is read, never
 * what it becomes, and no worker waits meanwhile. A manifest the primary does not have means the
 * push was undone, and is not waited for; the tag is then read again, because the answer in hand
 * may predate both the push's link and its undoing: the tag's old digest, while the primary has
 * dropped the tag together with the pushed manifest (distribution untags a deleted manifest's
 * tags, and that sends no event of its own: the delete's event names the digest, which the
 * replica's tag never pointed at, so nothing else would bring the tag back in line).
 */
final class PushedTagLink {
    /**
     * The delays of a row's first and second runs that find the push not shown: two seconds in
     * all, far longer than distribution takes between notifying a push and linking its tag, even
     * on a loaded host.
     */
    static final List<Duration> DELAYS = List.of(Duration.ofMillis(500), Duration.ofMillis(1500));

    private final PrimaryContent primary;

    PushedTagLink(PrimaryContent primary) {
        this.primary = primary;
    }

    /**
     * Defers {@code item} while the primary's answer for its tag does not show the push it carries
     * yet, for its first {@link #DELAYS}{@code .size()} runs.
     *
     * @param shown what the primary answered for the tag just now
     * @return the primary's answer for the tag to go by: {@code shown}, or the tag read again when
     *     the push's manifest is gone from the primary
     * @throws WorkDeferredException to run the row again later, writing nothing now
     */
    Optional<FetchedManifest> deferUntilShown(
            WorkItem item, RepositoryName repository, Tag tag, Optional<FetchedManifest> shown) {
        Optional<Digest> pushed = item.digest().filter(d -> item.operation() == WorkOperation.PUSH_MANIFEST);
        Optional<Digest> current = shown.map(FetchedManifest::digest);
        if (pushed.isEmpty() || current.equals(pushed) || item.attempts() > DELAYS.size()) {
            return shown;
        }
        if (primary.headManifest(repository, new Reference.ByDigest(pushed.get()))
                .isEmpty()) {
            return primary.manifest(repository, new Reference.ByTag(tag));
        }
        throw new WorkDeferredException(
                repository + ":" + tag + " pushed at " + pushed.get() + " (the primary has that manifest) but the"
                        + " primary shows the tag "
                        + current.map(d -> "at " + d).orElse("nowhere")
                        + " yet; asking again (a notification can precede the tag's link)",
                DELAYS.get(item.attempts() - 1));
    }
}
