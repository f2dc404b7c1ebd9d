package io.georeg.replicator.primary;

import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The primary's listings, for the reconcile crawl: which repositories there are, and a
 * repository's tags (distribution's tags list), page by page through {@code Link} headers, names
 * that are not valid repository names or tags skipped. Repositories are found in the catalog, or
 * below a path by the {@link RepositoryListing} of the primary's {@link PrimaryKind} (GitLab's
 * repository-paths API, Harbor's projects API, or the catalog filtered). Thread-safe, one per {@link PrimaryClient}.
 */
public final class PrimaryCatalog {
    private static final int PAGE_SIZE = 1000;

    private final PrimaryTransport transport;
    private final CatalogListing catalog;
    private final RepositoryListing namespaces;

    PrimaryCatalog(PrimaryTransport transport) {
        this.transport = transport;
        this.catalog = new CatalogListing(transport);
        this.namespaces = switch (transport.config().kind()) {
            case DISTRIBUTION -> catalog;
            case GITLAB -> new GitLabListing(transport);
            case HARBOR -> new HarborListing(transport);
        };
    }

    /**
     * Every repository of the primary's catalog, in its order.
     *
     * @throws CatalogRefusedException when the primary keeps its catalog from the replicator's
     *     account (GitLab: administrators only; Harbor: never a robot account), saying what to
     *     configure instead
     */
    public void forEachCatalogRepository(Consumer<RepositoryName> sink) {
        try {
            catalog.forEachRepository(sink);
        } catch (CatalogRefusedException e) {
            throw new CatalogRefusedException(
                    e.getMessage() + ": the catalog is for administrators on GitLab and never for Harbor robot"
                            + " accounts; list what to replicate in replicator.sync.namespaces (with"
                            + " replicator.primary.kind gitlab or harbor) or replicator.sync.preheat",
                    e.status());
        }
    }

    /**
     * The repositories at or below {@code path} (a configured namespace, a renamed repository's old
     * or new place), listed the way the primary's kind allows.
     *
     * @throws CatalogRefusedException when the primary refuses that listing to the replicator's account
     */
    public void forEachRepositoryUnder(String path, Consumer<RepositoryName> sink) {
        namespaces.forEachUnder(path, sink);
    }

    /** Every tag of a repository; empty when the repository is unknown to the primary. */
    public List<Tag> tags(RepositoryName repository) {
        List<Tag> tags = new ArrayList<>();
        JsonPages.forEach(
                transport,
                transport.uri("/v2/" + repository + "/tags/list?n=" + PAGE_SIZE),
                PrimaryTransport.pullScope(repository),
                JsonPages.Credentials.TOKEN_FLOW,
                page -> page.path("tags"),
                n -> {
                    if (Tag.isValid(n.asText())) {
                        tags.add(Tag.of(n.asText()));
                    }
                });
        return tags;
    }
}
