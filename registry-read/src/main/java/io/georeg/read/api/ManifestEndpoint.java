package io.georeg.read.api;

import io.georeg.oci.OciException;
import io.georeg.read.auth.Authenticator;
import io.georeg.replica.ReplicaReader;
import io.georeg.replica.ReplicaReader.StoredManifest;
import io.georeg.token.AccessRequest;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The manifest endpoint of the OCI distribution API ({@code GET}/{@code HEAD
 * /v2/<name>/manifests/<reference>}, by tag or by digest, spec "Pulling manifests"), answered
 * straight on Jetty's response for {@link DirectReads}: a manifest is a few KiB the replica hands
 * over whole, and Jersey's per-request work was most of a manifest GET's CPU.
 *
 * <p>Authorization is the {@link Authenticator}'s ({@code pull} on the repository), then the
 * replica's manifest: a miss is {@code MANIFEST_UNKNOWN} in a repository the replica knows, else
 * {@code NAME_UNKNOWN} (the router takes both for a miss and asks the primary). Which stored
 * manifest answers is {@link ManifestNegotiation}'s ({@link ManifestAccept} on the client's
 * {@code Accept} fields, each as sent). The answer carries the stored media type, the
 * {@link DigestHeaders}, and its length; a {@code HEAD} the same without the body. A failure is
 * thrown to {@link DirectReads}, which answers it as the exception mappers do.
 */
final class ManifestEndpoint {
    private final ReplicaReader replica;
    private final Authenticator auth;

    ManifestEndpoint(ReplicaReader replica, Authenticator auth) {
        this.replica = replica;
        this.auth = auth;
    }

    /** Answers the manifest read and completes {@code callback} with the write; throws what {@link DirectReads} answers. */
    void serve(Request request, Response response, Callback callback, OciPath.Manifest m, boolean head) {
        HttpFields in = request.getHeaders();
        auth.authorize(in.get(HttpHeader.AUTHORIZATION), AccessRequest.pull(m.name()));
        StoredManifest found = replica.manifest(m.name(), m.reference())
                .orElseThrow(() -> replica.repositoryExists(m.name())
                        ? OciException.manifestUnknown(m.name(), m.reference().toString())
                        : OciException.nameUnknown(m.name()));
        StoredManifest sm = ManifestNegotiation.answer(
                replica, m.name(), m.reference(), found, in.getValuesList(HttpHeader.ACCEPT));
        String digest = sm.digest().toString();
        HttpFields.Mutable out = response.getHeaders();
        if (DigestHeaders.notModified(in.get(HttpHeader.IF_NONE_MATCH), digest)) {
            response.setStatus(304);
            DigestHeaders.notModified(out, digest);
            response.write(true, null, callback);
            return;
        }
        out.put(HttpHeader.CONTENT_TYPE, sm.mediaType());
        out.put(DigestHeaders.DIGEST_HEADER, digest);
        out.put(HttpHeader.ETAG, DigestHeaders.etag(digest));
        out.put(HttpHeader.CONTENT_LENGTH, sm.content().length);
        response.write(true, head ? null : ByteBuffer.wrap(sm.content()), callback);
    }
}
