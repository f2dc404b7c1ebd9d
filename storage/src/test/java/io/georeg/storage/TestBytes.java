package io.georeg.storage;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;

/** Deterministic test content. */
public final class TestBytes {
    private TestBytes() {}

    public static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** The first {@code bytes} of {@code content}, then a failure, as a connection reset by the primary. */
    public static InputStream failingAfter(byte[] content, int bytes) {
        return new FilterInputStream(new ByteArrayInputStream(content, 0, bytes)) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b < 0) {
                    throw new IOException("connection reset by the primary");
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n < 0) {
                    throw new IOException("connection reset by the primary");
                }
                return n;
            }
        };
    }
}
