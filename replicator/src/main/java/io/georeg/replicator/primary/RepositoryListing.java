package io.georeg.replicator.primary;

import io.georeg.oci.RepositoryName;
import java.util.function.Consumer;

/**
 * How the reconcile crawl finds the primary's repositories at or below a path: one strategy per
 * {@link PrimaryKind}, chosen by {@link PrimaryCatalog}. The catalog of distribution answers only
 * administrators on GitLab and never a Harbor robot account, so those two list a namespace with
 * their own APIs instead. Implementations skip names that are not valid repository names.
 */
interface RepositoryListing {
    /**
     * Every repository whose name is {@code path} or starts with {@code path + "/"}; nothing when
     * the primary knows no such path.
     *
     * @throws CatalogRefusedException when the primary refuses to list it to our account
     */
    void forEachUnder(String path, Consumer<RepositoryName> sink);

    /** Whether {@code repository} is {@code path} or below it. */
    static boolean isUnder(String repository, String path) {
        return repository.equals(path) || repository.startsWith(path + "/");
    }
}
