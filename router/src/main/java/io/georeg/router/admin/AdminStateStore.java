package io.georeg.router.admin;

import java.net.URI;
import java.util.Optional;

/**
 * Where the routers' {@link AdminState} lives: in PostgreSQL ({@link DatabaseAdminStateStore}),
 * shared by every router instance of the site, or in this process only
 * ({@link MemoryAdminStateStore}) for a router without a tracking database. Written by the
 * {@link AdminEndpoint}, read by {@link SiteControl}'s poll.
 */
public interface AdminStateStore {
    AdminState read();

    AdminState setMode(RouterMode mode, String reason);

    /** {@code url} empty: back to the configured primary. */
    AdminState setPrimary(Optional<URI> url);
}
