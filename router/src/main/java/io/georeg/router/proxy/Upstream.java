package io.georeg.router.proxy;

import java.net.URI;
import java.util.Objects;

/**
 * A server the router forwards to (the primary registry, its token endpoint, registry-read),
 * by name (used in metrics), a description for error messages ("the primary site's registry at
 * ...") and origin. Targets keep the client's raw path and query
 * byte for byte, so nothing is decoded and re-encoded on the way.
 */
public record Upstream(String name, String description, URI origin) {

    public Upstream {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(origin, "origin");
    }

    /** The upstream URI of a raw (still percent-encoded) path and optional raw query. */
    public URI target(String rawPath, String rawQuery) {
        StringBuilder s = new StringBuilder(origin.getScheme())
                .append("://")
                .append(origin.getRawAuthority())
                .append(rawPath);
        if (rawQuery != null) {
            s.append('?').append(rawQuery);
        }
        return URI.create(s.toString());
    }
}
