package io.georeg.router.admin;

import java.net.URI;
import java.time.Instant;
import java.util.Optional;

/**
 * Where the routers' {@link AdminState} lives: in PostgreSQL ({@link DatabaseAdminStateStore}),
 * shared by every router instance of the site, or in this process only
 * ({@link MemoryAdminStateStore}) for a router without a tracking database. Read and written only through
 * {@link SiteControl}, which applies each answer in the order the store gave it. A store that
 * cannot answer throws (a {@link io.georeg.db.DatabaseException}); it never blocks without bound.
 */
public interface AdminStateStore {
    AdminState read();

    /**
     * Sets the mode, if {@code expect} (when given) matches the state stored, in one step; throws
     * {@link AdminStateChanged} with the stored state when it does not.
     */
    AdminState setMode(RouterMode mode, String reason, Optional<AdminExpectation> expect);

    default AdminState setMode(RouterMode mode, String reason) {
        return setMode(mode, reason, Optional.empty());
    }

    /** {@code url} empty: back to the configured primary; {@code expect} as for {@link #setMode}. */
    AdminState setPrimary(Optional<URI> url, Optional<AdminExpectation> expect);

    default AdminState setPrimary(Optional<URI> url) {
        return setPrimary(url, Optional.empty());
    }

    /**
     * Stores {@code wanted}'s mode, reason and primary if the stored state is still the one last
     * changed at {@code basis} (its {@link AdminState#updatedAt()}); empty when it changed since:
     * switches that {@link SiteControl} could not store when they were made go in only over the
     * state they were made on, never over a later one made through another router.
     */
    Optional<AdminState> storeIfUnchanged(AdminState wanted, Instant basis);
}
