package io.georeg.storage;

import java.util.regex.Pattern;

/**
 * A validated object key: '/'-separated components of {@code [A-Za-z0-9._-]}, none of them
 * {@code .} or {@code ..}. Every key a backend sees comes through here, so no caller input can
 * address anything outside the storage root.
 */
public record ObjectKey(String value) {
    private static final Pattern COMPONENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

    public ObjectKey {
        if (value == null || value.isEmpty() || value.length() > 1024) {
            throw new IllegalArgumentException("object key must be 1 to 1024 characters");
        }
        for (String c : value.split("/", -1)) {
            if (!COMPONENT.matcher(c).matches() || c.equals("..")) {
                throw new IllegalArgumentException("invalid object key component '" + c + "' in " + value);
            }
        }
    }

    public static ObjectKey of(String value) {
        return new ObjectKey(value);
    }

    /** The key of one more component below this one; a '/' in {@code component} is refused. */
    public ObjectKey child(String component) {
        if (component == null || component.indexOf('/') >= 0) {
            throw new IllegalArgumentException("invalid object key component '" + component + "'");
        }
        return new ObjectKey(value + "/" + component);
    }

    @Override
    public String toString() {
        return value;
    }
}
