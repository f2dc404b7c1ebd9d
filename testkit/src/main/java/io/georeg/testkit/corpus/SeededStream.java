package io.georeg.testkit.corpus;

import java.io.InputStream;
import java.util.SplittableRandom;

/**
 * A deterministic stream of {@code length} pseudo-random bytes from a seed: the same seed and
 * length always give the same bytes. Generated on the fly (8 bytes per step), so a 1 GiB blob
 * costs no memory and streams at well over 1 GB/s. Used for large corpus layers and the memory
 * test's blob.
 */
public final class SeededStream extends InputStream {
    private final SplittableRandom random;
    private final long length;
    private long position;
    private long word;
    private int wordBytesLeft;

    public SeededStream(long seed, long length) {
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, got " + length);
        }
        this.random = new SplittableRandom(seed);
        this.length = length;
    }

    @Override
    public int read() {
        if (position >= length) {
            return -1;
        }
        if (wordBytesLeft == 0) {
            word = random.nextLong();
            wordBytesLeft = 8;
        }
        int b = (int) (word & 0xff);
        word >>>= 8;
        wordBytesLeft--;
        position++;
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int len) {
        if (len == 0) {
            return 0;
        }
        if (position >= length) {
            return -1;
        }
        int n = (int) Math.min(len, length - position);
        int i = offset;
        int end = offset + n;
        // Drain the partial word first, then whole words, so that chunking never changes the bytes.
        while (i < end && wordBytesLeft > 0) {
            buffer[i++] = (byte) word;
            word >>>= 8;
            wordBytesLeft--;
        }
        while (end - i >= 8) {
            long w = random.nextLong();
            for (int k = 0; k < 8; k++) {
                buffer[i++] = (byte) w;
                w >>>= 8;
            }
        }
        while (i < end) {
            if (wordBytesLeft == 0) {
                word = random.nextLong();
                wordBytesLeft = 8;
            }
            buffer[i++] = (byte) word;
            word >>>= 8;
            wordBytesLeft--;
        }
        position += n;
        return n;
    }

    @Override
    public long skip(long n) {
        long skipped = 0;
        byte[] scratch = new byte[8192];
        while (skipped < n) {
            int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, length - position);
    }
}
