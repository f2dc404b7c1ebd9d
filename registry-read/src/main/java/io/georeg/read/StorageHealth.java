package io.georeg.read;

/**
 * Whether registry-read's blob storage can be read now, as the process's own watch of its backends
 * last found it (in {@code georeg serve}: the {@code storage} probe of {@code ops.BackendWatch},
 * which readiness and {@code georeg_backend_available} read too). Asked once per blob {@code GET}
 * and {@code HEAD} before anything is read: a {@code HEAD} answers from the database alone, so
 * without it a replica whose storage is down would answer {@code 200} to the {@code HEAD} and
 * {@code 503} to the {@code GET} of the same blob. Must answer at once (a field read), never by
 * asking the storage itself.
 */
@FunctionalInterface
public interface StorageHealth {

    /** No watch: storage counts as available, and only a read that fails says otherwise. */
    StorageHealth UNWATCHED = () -> true;

    boolean available();
}
