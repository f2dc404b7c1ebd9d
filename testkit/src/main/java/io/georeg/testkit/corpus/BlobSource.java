package io.georeg.testkit.corpus;

import java.io.InputStream;

/** Opens a fresh stream of a blob's bytes each time it is called (blobs are read at least twice: digest, then load). */
@FunctionalInterface
public interface BlobSource {
    InputStream open();
}
