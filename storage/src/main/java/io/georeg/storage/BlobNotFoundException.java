package io.georeg.storage;

import io.georeg.oci.Digest;

/** The blob is not stored. */
public class BlobNotFoundException extends StorageException {
    private final transient Digest digest;

    public BlobNotFoundException(Digest digest) {
        super("blob " + digest + " is not stored");
        this.digest = digest;
    }

    public Digest digest() {
        return digest;
    }
}
