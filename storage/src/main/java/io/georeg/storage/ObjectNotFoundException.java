package io.georeg.storage;

/**
 * No object is stored at the key. Backends throw it from {@link ObjectStore#read}, so that
 * {@link DefaultBlobStore} can answer {@link BlobNotFoundException} without a second round trip.
 */
public class ObjectNotFoundException extends StorageException {
    private final transient ObjectKey key;

    public ObjectNotFoundException(ObjectKey key) {
        super("no object at " + key);
        this.key = key;
    }

    public ObjectKey key() {
        return key;
    }
}
