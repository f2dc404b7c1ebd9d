package io.georeg.router.it;

import java.io.InputStream;
import java.util.SplittableRandom;

/** {@code length} pseudo-random bytes generated on the fly: a large body that never exists in memory. */
final class SeededInputStream extends InputStream {
    private final SplittableRandom random;
    private long remaining;

    SeededInputStream(long seed, long length) {
        this.random = new SplittableRandom(seed);
        this.remaining = length;
    }

    @Override
    public int read() {
        if (remaining <= 0) {
            return -1;
        }
        remaining--;
        return random.nextInt(256);
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (remaining <= 0) {
            return -1;
        }
        int n = (int) Math.min(len, remaining);
        for (int i = 0; i < n; i++) {
            b[off + i] = (byte) random.nextInt(256);
        }
        remaining -= n;
        return n;
    }

    static String sha256(long seed, long length) throws Exception {
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[64 * 1024];
        try (SeededInputStream in = new SeededInputStream(seed, length)) {
            for (int n; (n = in.read(buffer, 0, buffer.length)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(sha.digest());
    }
}
