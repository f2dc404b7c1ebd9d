package io.georeg.router.route;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One row of the route table: an id ({@link RouteId}, named in access logs and metrics), the HTTP methods it
 * applies to (empty: any method, compared case-sensitively as RFC 9110 section 9.1 says), a path
 * pattern matched against the whole raw path, and a destination. A pattern may capture the
 * groups {@code name} (repository) and {@code reference} (tag or digest) for read-your-writes.
 *
 * <p>{@code nameGroup} and {@code referenceGroup} are the indices of those groups (0: absent),
 * resolved once: looking a group up by name copies the pattern's group map on every call.
 */
public record Route(
        RouteId id,
        Set<String> methods,
        Pattern path,
        Destination destination,
        int nameGroup,
        int referenceGroup,
        String literalPrefix) {

    public Route {
        Objects.requireNonNull(id, "id");
        methods = Set.copyOf(methods);
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(destination, "destination");
    }

    public Route(RouteId id, Set<String> methods, Pattern path, Destination destination) {
        this(
                id,
                methods,
                path,
                destination,
                path.namedGroups().getOrDefault("name", 0),
                path.namedGroups().getOrDefault("reference", 0),
                literalPrefix(path));
    }

    /**
     * The characters every match must start with: the pattern's leading plain characters, up to
     * the first one with a regex meaning (and none when a flag or alternation may apply to
     * them). Lets {@link #match} skip the regex for most paths with one {@code startsWith}.
     */
    static String literalPrefix(Pattern pattern) {
        String regex = pattern.pattern();
        if (pattern.flags() != 0 || hasTopLevelAlternation(regex)) {
            return "";
        }
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if ("\\[](){}.*+?^$|".indexOf(c) >= 0) {
                // A quantifier applies to the character before it: that one is not required.
                if ((c == '*' || c == '?' || c == '{') && !prefix.isEmpty()) {
                    prefix.setLength(prefix.length() - 1);
                }
                break;
            }
            prefix.append(c);
        }
        return prefix.toString();
    }

    private static boolean hasTopLevelAlternation(String regex) {
        int depth = 0;
        boolean inClass = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i++;
            } else if (inClass) {
                inClass = c != ']';
            } else if (c == '[') {
                inClass = true;
            } else if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == '|' && depth == 0) {
                return true;
            }
        }
        return false;
    }

    public static Route of(RouteId id, Set<String> methods, String pathRegex, Destination destination) {
        return new Route(id, methods, Pattern.compile(pathRegex), destination);
    }

    /** The match of this route on a request, or null when it does not apply. */
    RouteMatch match(String method, String rawPath) {
        if (!methods.isEmpty() && !methods.contains(method)) {
            return null;
        }
        if (!rawPath.startsWith(literalPrefix)) {
            return null;
        }
        Matcher m = path.matcher(rawPath);
        if (!m.matches()) {
            return null;
        }
        return new RouteMatch(
                this, nameGroup == 0 ? null : m.group(nameGroup), referenceGroup == 0 ? null : m.group(referenceGroup));
    }
}
