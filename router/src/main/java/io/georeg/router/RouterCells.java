package io.georeg.router;

import io.georeg.oci.NamespaceOwners;
import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * The primaries the router sends each repository's traffic to (the cells of one hostname): each
 * primary's registry and token endpoint, and which primary owns which repository namespaces
 * ({@link NamespaceOwners}). Built by the app from {@code primaries} and {@code defaultPrimary}; a
 * router without it has one primary, {@code router.primaryUrl} with {@code router.authUrl}, owning
 * every repository ({@link #single}).
 *
 * @param cells  every primary, the first one the one the admin API's promotion switches
 * @param owners which primary owns a repository
 */
public record RouterCells(List<Cell> cells, NamespaceOwners owners) {

    /**
     * One primary.
     *
     * @param name        as metrics and logs name it
     * @param registryUrl its registry (scheme, host, port)
     * @param authUrl     its token endpoint, or null when it has no token auth (token requests then go to
     *                    {@code router.authPath} on its registry)
     * @param service     the {@code service} its token service expects in token requests (the {@code aud}
     *                    of its tokens), or null to pass the client's on
     */
    public record Cell(String name, URI registryUrl, URI authUrl, String service) {
        public Cell {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(registryUrl, "registryUrl");
        }
    }

    public RouterCells {
        cells = List.copyOf(cells);
        if (cells.isEmpty()) {
            throw new IllegalArgumentException("at least one primary");
        }
        Objects.requireNonNull(owners, "owners");
    }

    /** The name of the one primary of a router configured with {@code router.primaryUrl} alone. */
    public static final String SINGLE = "primary";

    /** The one primary of {@code config} ({@code router.primaryUrl}, {@code router.authUrl}), owning everything. */
    public static RouterCells single(RouterConfig config) {
        return new RouterCells(
                List.of(new Cell(SINGLE, config.primaryUrl(), config.authUrl(), null)), NamespaceOwners.single(SINGLE));
    }

    /** Whether more than the one primary of {@link #single} is configured. */
    public boolean several() {
        return cells.size() > 1;
    }
}
