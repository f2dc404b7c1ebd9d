package io.georeg.router.it;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * {@code length} pseudo-random bytes generated on the fly in 8 KiB blocks: a large body that
 * never exists in memory. The same seed gives the same bytes whatever the read sizes.
 */
final class SeededInputStream extends InputStream {
    private final SplittableRandom random;
    private final ByteBuffer block = ByteBuffer.allocate(8192).flip();
    private long remaining;

    SeededInputStream(long seed, long length) {
        this.random = new SplittableRandom(seed);
        this.remaining = length;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (remaining <= 0) {
            return -1;
        }
        if (!block.hasRemaining()) {
            block.clear();
            while (block.hasRemaining()) {
                block.putLong(random.nextLong());
            }
            block.flip();
        }
        int n = (int) Math.min(Math.min(len, remaining), block.remaining());
        block.get(b, off, n);
        remaining -= n;
        return n;
    }

    static String sha256(long seed, long length) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[64 * 1024];
        try (SeededInputStream in = new SeededInputStream(seed, length)) {
            for (int n; (n = in.read(buffer, 0, buffer.length)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
