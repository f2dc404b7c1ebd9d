package io.georeg.oci;

import java.util.Map;
import java.util.regex.Pattern;

/** A tag: {@code [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}} (OCI distribution spec, "Pulling manifests"). */
public record Tag(String value) implements Comparable<Tag> {
    private static final Pattern GRAMMAR = Pattern.compile(PathGrammar.TAG);

    public Tag {
        if (value == null || !GRAMMAR.matcher(value).matches()) {
            throw new OciException(ErrorCode.TAG_INVALID, "invalid tag", Map.of("tag", String.valueOf(value)));
        }
    }

    public static Tag of(String value) {
        return new Tag(value);
    }

    public static boolean isValid(String value) {
        return value != null && GRAMMAR.matcher(value).matches();
    }

    @Override
    public String toString() {
        return value;
    }

    @Override
    public int compareTo(Tag o) {
        return value.compareTo(o.value);
    }
}
