package io.georeg.storage;

/** A backend failed (I/O, network, credentials). Transient unless a subclass says otherwise. */
public class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    public StorageException(String message) {
        super(message);
    }
}
