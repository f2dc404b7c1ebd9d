package io.georeg.testkit.corpus;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Real layer content: POSIX ustar archives holding one seeded file each, either gzip'd in memory
 * (small layers, {@code tar+gzip} media types) or streamed uncompressed (the large layer,
 * {@code tar} media type) so that no layer needs to be held whole.
 */
final class TarLayers {
    private static final int BLOCK = 512;

    private TarLayers() {}

    /** A gzip'd tar with one file {@code path} of {@code size} seeded bytes. */
    static byte[] gzipTar(String path, long seed, int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 2048);
        try (GZIPOutputStream gz = new GZIPOutputStream(out);
                InputStream tar = tar(path, seed, size)) {
            tar.transferTo(gz);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** An uncompressed tar with one file {@code path} of {@code size} seeded bytes, generated as it is read. */
    static InputStream tar(String path, long seed, long size) {
        int padding = (int) ((BLOCK - size % BLOCK) % BLOCK);
        return new SequenceInputStream(java.util.Collections.enumeration(List.of(
                new ByteArrayInputStream(header(path, size)),
                new SeededStream(seed, size),
                new ByteArrayInputStream(new byte[padding + 2 * BLOCK]))));
    }

    private static byte[] header(String path, long size) {
        byte[] h = new byte[BLOCK];
        put(h, 0, 100, path);
        put(h, 100, 8, "0000644");
        put(h, 108, 8, "0000000");
        put(h, 116, 8, "0000000");
        put(h, 124, 12, String.format("%011o", size));
        put(h, 136, 12, String.format("%011o", 1_700_000_000L));
        h[156] = '0';
        put(h, 257, 6, "ustar");
        put(h, 263, 2, "00");
        put(h, 265, 32, "root");
        put(h, 297, 32, "root");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, 7, String.format("%06o", sum));
        h[155] = ' ';
        return h;
    }

    private static void put(byte[] header, int offset, int width, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > width) {
            throw new IllegalArgumentException("tar field too long: " + value);
        }
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }
}
