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
 * {@code literalPrefix} and {@code literalInfix} are plain text every match starts with and
 * contains, checked before the regex so that a path this row cannot match rarely runs it.
 */
public record Route(
        RouteId id,
        Set<String> methods,
        Pattern path,
        Destination destination,
        int nameGroup,
        int referenceGroup,
        String literalPrefix,
        String literalInfix) {

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
                literalPrefix(path),
                literalInfix(path));
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

    /**
     * The longest run of plain characters outside every group and character class: text every
     * match contains (none when a flag or a top-level alternation may apply). The run ends at
     * anything with a regex meaning; a character a quantifier makes optional is left out. Lets
     * {@link #match} skip the regex of a row whose keyword the path lacks (a manifest path never
     * runs the upload row's pattern), with one {@code contains}.
     */
    static String literalInfix(Pattern pattern) {
        String regex = pattern.pattern();
        if (pattern.flags() != 0 || hasTopLevelAlternation(regex) || hasEmbeddedFlags(regex)) {
            return "";
        }
        boolean[] topLevel = topLevel(regex);
        String longest = "";
        StringBuilder run = new StringBuilder();
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (topLevel[i] && "\\[](){}.*+?^$|".indexOf(c) < 0) {
                run.append(c);
                continue;
            }
            if (topLevel[i] && (c == '*' || c == '?' || c == '{') && !run.isEmpty()) {
                run.setLength(run.length() - 1);
            }
            if (run.length() > longest.length()) {
                longest = run.toString();
            }
            run.setLength(0);
        }
        return run.length() > longest.length() ? run.toString() : longest;
    }

    /**
     * Which characters of the regex stand outside every group and character class, not escaped
     * (a group's own opening and closing parentheses and a class's opening bracket included).
     */
    private static boolean[] topLevel(String regex) {
        boolean[] top = new boolean[regex.length()];
        int depth = 0;
        boolean inClass = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i++;
            } else if (inClass) {
                inClass = c != ']';
            } else {
                if (c == '(') {
                    top[i] = depth == 0;
                    depth++;
                    continue;
                }
                if (c == ')') {
                    depth--;
                } else if (c == '[') {
                    inClass = true;
                }
                top[i] = depth == 0;
            }
        }
        return top;
    }

    /** Whether the regex may set a flag inline ({@code (?i)}, {@code (?i:...)}): any {@code (?} but a group's. */
    private static boolean hasEmbeddedFlags(String regex) {
        for (int i = regex.indexOf("(?"); i >= 0; i = regex.indexOf("(?", i + 1)) {
            if (i + 2 >= regex.length() || ":<=!>".indexOf(regex.charAt(i + 2)) < 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasTopLevelAlternation(String regex) {
        boolean[] topLevel = topLevel(regex);
        for (int i = 0; i < regex.length(); i++) {
            if (topLevel[i] && regex.charAt(i) == '|') {
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
        if (!rawPath.startsWith(literalPrefix) || !rawPath.contains(literalInfix)) {
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
