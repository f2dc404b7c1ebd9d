package io.georeg.replicator.primary;

import io.georeg.oci.RepositoryName;
import java.util.function.Consumer;

/**
 * Distribution's way of listing repositories: its catalog ({@code GET /v2/_catalog}, scope
 * {@code registry:catalog:*}), filtered to a path. Used for {@link PrimaryKind#DISTRIBUTION}, and
 * by the other kinds for a whole-registry pass when no namespace is configured.
 */
final class CatalogListing implements RepositoryListing {
    static final String CATALOG_SCOPE = "registry:catalog:*";
    private static final int PAGE_SIZE = 1000;

    private final PrimaryTransport transport;

    CatalogListing(PrimaryTransport transport) {
        this.transport = transport;
    }

    /** Every repository of the catalog, in the primary's order. */
    void forEachRepository(Consumer<RepositoryName> sink) {
        JsonPages.forEach(
                transport,
                transport.uri("/v2/_catalog?n=" + PAGE_SIZE),
                CATALOG_SCOPE,
                JsonPages.Credentials.TOKEN_FLOW,
                page -> page.path("repositories"),
                n -> {
                    if (RepositoryName.isValid(n.asText())) {
                        sink.accept(RepositoryName.of(n.asText()));
                    }
                });
    }

    @Override
    public void forEachUnder(String path, Consumer<RepositoryName> sink) {
        forEachRepository(r -> {
            if (RepositoryListing.isUnder(r.value(), path)) {
                sink.accept(r);
            }
        });
    }
}
