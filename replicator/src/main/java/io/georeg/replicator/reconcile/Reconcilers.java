package io.georeg.replicator.reconcile;

import io.georeg.oci.NamespaceOwners;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replicator.primary.PrimaryException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The reconcile of every primary: one {@link Reconciler} each, over that primary's catalog and
 * limited to the repositories it owns ({@link NamespaceOwners}), and a request about repositories
 * sent to their owners' reconcilers. With one primary it is that primary's reconciler. Called by
 * {@code georeg reconcile}, {@code georeg preheat}, a promotion's last pass, and the workers
 * (renames and repository deletes queue a reconcile of a path).
 */
public final class Reconcilers {
    private final Map<String, Reconciler> byPrimary;
    private final NamespaceOwners owners;

    /** @param byPrimary each primary's reconciler, in configuration order */
    public Reconcilers(Map<String, Reconciler> byPrimary, NamespaceOwners owners) {
        this.byPrimary = new LinkedHashMap<>(byPrimary);
        this.owners = owners;
    }

    /**
     * A full pass over every primary, each with the {@code extra} repositories it owns. With one
     * primary its failure to list (unreachable, catalog refused) is the pass's, thrown. With several,
     * a primary that cannot be listed is one error naming it, and the others are crawled all the same:
     * one cell down must not stop the repair of the others ({@code georeg reconcile}, a promotion's
     * last pass), and the operator must learn which cell it was.
     */
    public ReconcileSummary reconcileAll(List<RepositoryName> extra, ReconcileProgress progress) {
        ReconcileSummary total = null;
        for (Map.Entry<String, Reconciler> e : byPrimary.entrySet()) {
            ReconcileSummary one;
            try {
                one = e.getValue().reconcileAll(owned(e.getKey(), extra), progress);
            } catch (PrimaryException failure) {
                if (byPrimary.size() == 1) {
                    throw failure;
                }
                one = new ReconcileSummary(
                        0, 0, 0, 0, 0, List.of(e.getKey() + ": " + failure.getMessage()), Duration.ZERO);
            }
            total = total == null ? one : total.plus(one);
        }
        return total;
    }

    /** A pass over {@code repositories}, each by its owner's reconciler; one error per repository no primary owns. */
    public ReconcileSummary reconcile(List<RepositoryName> repositories, ReconcileProgress progress) {
        ReconcileSummary total = new ReconcileSummary(0, 0, 0, 0, 0, unowned(repositories), Duration.ZERO);
        for (Map.Entry<String, Reconciler> e : byPrimary.entrySet()) {
            List<RepositoryName> mine = owned(e.getKey(), repositories);
            if (!mine.isEmpty()) {
                total = total.plus(e.getValue().reconcile(mine, progress));
            }
        }
        return total;
    }

    /** {@link Reconciler#reconcilePath} by the owner of {@code path}. */
    public ReconcileSummary reconcilePath(RepositoryName path, boolean withBelow) {
        return ownerOf(path)
                .map(r -> r.reconcilePath(path, withBelow))
                .orElseGet(() -> new ReconcileSummary(0, 0, 0, 0, 0, unowned(List.of(path)), Duration.ZERO));
    }

    /** {@link Reconciler#reconcileTag} by the owner of {@code repository}; false when no primary owns it. */
    public boolean reconcileTag(RepositoryName repository, Tag tag) {
        return ownerOf(repository).map(r -> r.reconcileTag(repository, tag)).orElse(false);
    }

    private Optional<Reconciler> ownerOf(RepositoryName repository) {
        return owners.ownerOf(repository.value()).map(byPrimary::get);
    }

    private List<RepositoryName> owned(String primary, List<RepositoryName> repositories) {
        return repositories.stream()
                .filter(r -> owners.owns(primary, r.value()))
                .toList();
    }

    private List<String> unowned(List<RepositoryName> repositories) {
        List<String> errors = new ArrayList<>();
        for (RepositoryName r : repositories) {
            if (owners.ownerOf(r.value()).isEmpty()) {
                errors.add(r + ": no primary owns it (see primaries and defaultPrimary)");
            }
        }
        return errors;
    }
}
