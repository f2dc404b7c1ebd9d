package io.georeg.storage;

import java.util.Random;

/** Deterministic test content. */
public final class TestBytes {
    private TestBytes() {}

    public static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
