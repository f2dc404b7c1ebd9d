package io.georeg.router.admin;

import java.net.URI;
import java.util.Optional;

/**
 * Where the routers' {@link AdminState} lives: in PostgreSQL ({@link DatabaseAdminStateStore}),
 * shared by every router instance of the site, or in this process only
 * ({@link MemoryAdminStateStore}) for a router without a tracking database. Read and written only through
 * {@link SiteControl}, which applies each answer in the order the store gave it.
 */
public interface AdminStateStore {
    AdminState read();

    AdminState setMode(RouterMode mode, String reason);

    /** {@code url} empty: back to the configured primary. */
    AdminState setPrimary(Optional<URI> url);
}
