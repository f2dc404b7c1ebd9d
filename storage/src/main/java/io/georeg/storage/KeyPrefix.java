package io.georeg.storage;

import java.util.Optional;

/**
 * Maps {@link ObjectKey}s to the names of a remote object store (S3, GCS) below an optional
 * prefix, so that several georeg sites or other data can share a bucket. Used by the S3 and GCS
 * backends; the filesystem backend uses its root directory instead.
 *
 * @param value the prefix without leading or trailing '/', or empty for the bucket's root
 */
public record KeyPrefix(String value) {

    public KeyPrefix {
        if (value == null) {
            value = "";
        }
        if (!value.isEmpty()) {
            ObjectKey.of(value); // same grammar as keys: no traversal, no empty components
        }
    }

    /** A prefix from configuration, where null and blank mean "none". */
    public static KeyPrefix of(String value) {
        return new KeyPrefix(value == null || value.isBlank() ? "" : value);
    }

    /** The remote name of {@code key}. */
    public String remote(ObjectKey key) {
        return value.isEmpty() ? key.value() : value + "/" + key.value();
    }

    /** The remote name prefix of everything below {@code key} (ends with '/'). */
    public String remoteBelow(ObjectKey key) {
        return remote(key) + "/";
    }

    /** The remote name prefix of every key (empty, or the prefix and '/'). */
    public String remoteRoot() {
        return value.isEmpty() ? "" : value + "/";
    }

    /** The key of a remote name, or empty when the name is not a valid key below this prefix. */
    public Optional<ObjectKey> key(String remoteName) {
        String local = remoteName;
        if (!value.isEmpty()) {
            if (!remoteName.startsWith(value + "/")) {
                return Optional.empty();
            }
            local = remoteName.substring(value.length() + 1);
        }
        try {
            return Optional.of(ObjectKey.of(local));
        } catch (IllegalArgumentException notOurs) {
            // An object that georeg did not write (its name is not a valid key): not listed.
            return Optional.empty();
        }
    }
}
