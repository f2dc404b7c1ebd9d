package io.georeg.failover.drill;

import io.georeg.failover.FailoverException;
import io.georeg.failover.state.ReplicatedImage;
import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.ParsedManifest;
import io.georeg.oci.Reference;
import io.georeg.replicator.primary.BlobStream;
import io.georeg.replicator.primary.FetchedManifest;
import io.georeg.replicator.primary.PrimaryContent;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Pulls one image as a client would, through a router, with the replicator's registry client
 * ({@link PrimaryContent}, pointed at the router: distribution's token flow and basic auth):
 * the manifest by tag (its bytes checked against the digest the replica recorded), the children
 * of an index, and every blob, each streamed through its digest. Used by the drill.
 */
final class SamplePuller {
    private final PrimaryContent client;

    SamplePuller(PrimaryContent client) {
        this.client = client;
    }

    /** Pulls the whole image; returns the bytes read. Throws with what went wrong. */
    long pull(ReplicatedImage image) {
        FetchedManifest top = client.manifest(image.repository(), new Reference.ByTag(image.tag()))
                .orElseThrow(() -> new FailoverException(image + ": the router answered 404 for the tag"));
        if (!top.digest().equals(image.digest())) {
            throw new FailoverException(image + ": the router served " + top.digest() + " for the tag");
        }
        return manifest(image, top);
    }

    private long manifest(ReplicatedImage image, FetchedManifest fetched) {
        ParsedManifest parsed = ManifestParser.parse(fetched.content(), fetched.mediaType());
        long bytes = fetched.content().length;
        for (Descriptor child : parsed.children()) {
            FetchedManifest c = client.manifest(image.repository(), new Reference.ByDigest(child.digest()))
                    .orElseThrow(
                            () -> new FailoverException(image + ": child manifest " + child.digest() + " not served"));
            bytes += manifest(image, c);
        }
        for (Descriptor blob : parsed.blobs()) {
            bytes += blob(image, blob.digest());
        }
        return bytes;
    }

    private long blob(ReplicatedImage image, Digest digest) {
        Optional<BlobStream> opened = client.openBlob(image.repository(), digest);
        if (opened.isEmpty()) {
            throw new FailoverException(image + ": blob " + digest + " not served (404)");
        }
        try (BlobStream stream = opened.get();
                InputStream in = stream.content()) {
            MessageDigest md = digest.algorithm().newMessageDigest();
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
                total += n;
            }
            String actual = HexFormat.of().formatHex(md.digest());
            if (!actual.equals(digest.hex())) {
                throw new FailoverException(
                        image + ": blob " + digest + " served with the wrong content (" + actual + ")");
            }
            return total;
        } catch (IOException e) {
            throw new FailoverException(image + ": blob " + digest + " broke off: " + e, e);
        }
    }
}
