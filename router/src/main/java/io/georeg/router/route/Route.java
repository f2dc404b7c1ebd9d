package io.georeg.router.route;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One row of the route table: an id (used in access logs and metrics), the HTTP methods it
 * applies to (empty: any method, compared case-sensitively as RFC 9110 section 9.1 says), a path
 * pattern matched against the whole raw path, and a destination. A pattern may capture the
 * groups {@code name} (repository) and {@code reference} (tag or digest) for read-your-writes.
 *
 * <p>{@code nameGroup} and {@code referenceGroup} are the indices of those groups (0: absent),
 * resolved once: looking a group up by name copies the pattern's group map on every call.
 */
public record Route(String id, Set<String> methods, Pattern path, Destination destination, int nameGroup, int referenceGroup) {

    public Route {
        Objects.requireNonNull(id, "id");
        methods = Set.copyOf(methods);
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(destination, "destination");
    }

    public Route(String id, Set<String> methods, Pattern path, Destination destination) {
        this(id, methods, path, destination, path.namedGroups().getOrDefault("name", 0), path.namedGroups().getOrDefault("reference", 0));
    }

    public static Route of(String id, Set<String> methods, String pathRegex, Destination destination) {
        return new Route(id, methods, Pattern.compile(pathRegex), destination);
    }

    /** The match of this route on a request, or null when it does not apply. */
    RouteMatch match(String method, String rawPath) {
        if (!methods.isEmpty() && !methods.contains(method)) {
            return null;
        }
        Matcher m = path.matcher(rawPath);
        if (!m.matches()) {
            return null;
        }
        return new RouteMatch(this, nameGroup == 0 ? null : m.group(nameGroup), referenceGroup == 0 ? null : m.group(referenceGroup));
    }
}
