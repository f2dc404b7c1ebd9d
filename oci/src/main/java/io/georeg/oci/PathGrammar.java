package io.georeg.oci;

import java.util.Locale;

/**
 * The grammar of the distribution API's request paths, declared once: the repository-name, tag
 * and digest patterns (OCI distribution spec, "Pulling manifests"; image spec, descriptor
 * digests) as regex fragments, and the rule that refuses an ambiguous raw path. The value types
 * ({@link RepositoryName}, {@link Tag}, {@link Digest}), the router's route table and
 * registry-read's path parser are all built from these, so the router and the replica agree on
 * which paths exist and which are refused.
 */
public final class PathGrammar {

    /*
     * The quantifiers below say how to match, not what: each pattern accepts exactly the strings of
     * the spec's grammar. A possessive one ({@code ++}, {@code *+}) never gives characters back,
     * which is safe where nothing that may follow could start with them: a run of [a-z0-9] is
     * followed by a separator, a slash, a colon or the end, never by another [a-z0-9]. The name's
     * components are matched reluctantly ({@code *?}): in a route such as
     * {@code /v2/<name>/manifests/<reference>} a greedy name first swallowed the whole path and
     * gave it back component by component, each time retrying every way its separators could
     * split. The split is the same either way, as nothing after a name in any route may contain a
     * slash. A route match of a manifest path took 1.3–2.8 µs with the plain forms and 0.3–0.5 µs
     * with these (one JVM, a million matches each, docs/benchmarks.md); the router matches every
     * request.
     */

    /** One component of a repository name. */
    public static final String NAME_COMPONENT = "[a-z0-9]++(?:(?:\\.|_|__|-+)[a-z0-9]++)*+";
    /** A whole repository name: components separated by single slashes (length is checked apart). */
    public static final String NAME = NAME_COMPONENT + "(?:/" + NAME_COMPONENT + ")*?";
    /** A tag. */
    public static final String TAG = "[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}";
    /** A digest of any algorithm ({@link Digest#parse} then accepts only the registered ones). */
    public static final String DIGEST = "[a-z0-9]++(?:[+._-][a-z0-9]++)*+:[a-zA-Z0-9=_-]++";

    /**
     * The longest raw path either parser looks at. Every path of the API is far shorter (a
     * 255-character name, a 128-character tag or a digest); a longer one is never matched
     * against the patterns (the router leaves it to the primary, registry-read refuses it).
     */
    public static final int MAX_PATH_LENGTH = 4096;

    private PathGrammar() {}

    /**
     * Why a raw (still percent-encoded) path, without its query, could be read two ways, or null
     * when it cannot. Refused: an empty or relative path, empty segments ({@code //}), dot
     * segments ({@code .}, {@code ..}), backslashes, a truncated percent-encoding, and the
     * encodings of {@code /}, {@code .}, {@code \}, {@code %} (double encoding) and NUL. A proxy
     * and its origin may decode or normalise any of these differently, so a path that contains
     * one is refused before anything else looks at it. A trailing slash is allowed
     * ({@code /v2/}, {@code .../blobs/uploads/}). Allocation-free on a clean path.
     */
    public static String ambiguity(String rawPath) {
        int n = rawPath.length();
        if (n == 0 || rawPath.charAt(0) != '/') {
            return "empty or relative path";
        }
        int segmentStart = 1;
        for (int i = 1; i <= n; i++) {
            char c = i < n ? rawPath.charAt(i) : '/';
            if (c == '/') {
                int len = i - segmentStart;
                if (len == 0 && i < n) {
                    return "empty path segment";
                }
                if ((len == 1 && rawPath.charAt(segmentStart) == '.')
                        || (len == 2
                                && rawPath.charAt(segmentStart) == '.'
                                && rawPath.charAt(segmentStart + 1) == '.')) {
                    return "dot segment (path traversal)";
                }
                segmentStart = i + 1;
            } else if (c == '\\') {
                return "backslash in path";
            } else if (c == '%') {
                if (i + 2 >= n) {
                    return "truncated percent-encoding";
                }
                String why = forbiddenEncoding(rawPath.charAt(i + 1), rawPath.charAt(i + 2));
                if (why != null) {
                    return why;
                }
            }
        }
        return null;
    }

    private static String forbiddenEncoding(char high, char low) {
        return switch (("" + high + low).toLowerCase(Locale.ROOT)) {
            case "2f" -> "encoded slash (%2F)";
            case "2e" -> "encoded dot (%2E)";
            case "5c" -> "encoded backslash (%5C)";
            case "25" -> "double percent-encoding (%25)";
            case "00" -> "encoded NUL (%00)";
            // Other encodings are decoded only in a reference; in a name they fail the grammar.
            default -> null;
        };
    }
}
