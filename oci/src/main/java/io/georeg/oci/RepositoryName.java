package io.georeg.oci;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * A repository name as the OCI distribution spec constrains it ("Pulling manifests":
 * {@code [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*}), at most 255
 * characters as distribution enforces ({@link PathGrammar#NAME}). The grammar itself excludes {@code ..}, empty components,
 * encoded slashes and anything else that could escape a storage path.
 */
public record RepositoryName(String value) implements Comparable<RepositoryName> {
    public static final int MAX_LENGTH = 255;
    private static final Pattern GRAMMAR = Pattern.compile(PathGrammar.NAME);

    public RepositoryName {
        if (value == null
                || value.isEmpty()
                || value.length() > MAX_LENGTH
                || !GRAMMAR.matcher(value).matches()) {
            throw new OciException(
                    ErrorCode.NAME_INVALID, "invalid repository name", Map.of("name", String.valueOf(value)));
        }
    }

    public static RepositoryName of(String value) {
        return new RepositoryName(value);
    }

    public static boolean isValid(String value) {
        return value != null
                && !value.isEmpty()
                && value.length() <= MAX_LENGTH
                && GRAMMAR.matcher(value).matches();
    }

    @Override
    public String toString() {
        return value;
    }

    @Override
    public int compareTo(RepositoryName o) {
        return value.compareTo(o.value);
    }
}
