package io.georeg.testkit.corpus;

import io.georeg.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;

/**
 * One blob of the corpus (config, layer, artifact payload): its media type, digest, size and a
 * way to reopen its bytes. Large blobs are streamed from a {@link BlobSource}, never held.
 */
public record CorpusBlob(String mediaType, Digest digest, long size, BlobSource source) {

    public static CorpusBlob ofBytes(String mediaType, byte[] content) {
        byte[] copy = content.clone();
        return new CorpusBlob(mediaType, Digest.sha256(copy), copy.length, () -> new ByteArrayInputStream(copy));
    }

    /** A streamed blob; its digest is computed by reading the source once. */
    public static CorpusBlob streamed(String mediaType, BlobSource source) {
        MessageDigest sha = Digest.Algorithm.SHA256.newMessageDigest();
        long size = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = source.open()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
                size += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read blob source", e);
        }
        return new CorpusBlob(mediaType, Digest.of(Digest.Algorithm.SHA256, sha.digest()), size, source);
    }

    public InputStream open() {
        return source.open();
    }
}
