package io.georeg.read.api;

import io.georeg.oci.OciException;
import io.georeg.read.ReadOptions;
import io.georeg.read.StorageHealth;
import io.georeg.read.auth.Authenticator;
import io.georeg.replica.ReplicaReader;
import java.io.IOException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reads registry-read answers straight on Jetty's response, in front of Jersey's servlet
 * context: {@code GET} and {@code HEAD} of manifests ({@link ManifestEndpoint}) and blobs
 * ({@link BlobEndpoint}), the pulls that are nearly all of a registry's traffic. Jersey's
 * per-request work (resource matching, response building, its output stream) was a quarter of the
 * non-hash CPU of a 1 MiB blob GET and most of a manifest GET's. Everything else — other methods,
 * other endpoints, and every path {@link OciPath} refuses, which Jersey parses again and answers
 * with the same error — goes on to Jersey.
 *
 * <p>Owns what the two endpoints share: which requests are theirs (the method is matched exactly,
 * as Jersey does: {@code get} is Jersey's 405) and the answer to a failure — before the first
 * byte, the answer of the two exception mappers ({@link ErrorAnswer}, {@link
 * UnexpectedExceptionMapper#answer}); after it, the response is aborted. Metrics and access logs
 * are the wrappers' around registry-read's handler tree, as for Jersey's answers. Built by
 * {@code RegistryReadServer.handler}; owns the {@link HashThreads} and the table of
 * {@link VerifiedFiles}.
 */
public final class DirectReads extends Handler.Wrapper {
    private static final Logger LOG = LoggerFactory.getLogger(DirectReads.class);

    private final ManifestEndpoint manifests;
    private final BlobEndpoint blobs;

    /** @param next Jersey's context: every request that is not a manifest or blob GET or HEAD */
    public DirectReads(
            Handler next, ReplicaReader replica, Authenticator auth, ReadOptions options, StorageHealth storage) {
        super(next);
        HashThreads hashThreads = HashThreads.perProcessor();
        addBean(hashThreads, true);
        this.manifests = new ManifestEndpoint(replica, auth);
        this.blobs = new BlobEndpoint(
                replica, auth, options, storage, hashThreads, new VerifiedFiles(VerifiedFiles.DEFAULT_MAX_ENTRIES));
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String method = request.getMethod();
        boolean head = "HEAD".equals(method);
        String raw = request.getHttpURI().getPath();
        if ((!head && !"GET".equals(method))
                || raw == null
                || (!raw.contains("/manifests/") && !raw.contains("/blobs/"))) {
            return super.handle(request, response, callback);
        }
        OciPath path;
        try {
            path = OciPath.parse(raw);
        } catch (OciException refused) {
            return super.handle(request, response, callback); // Jersey parses it again and answers the same refusal
        }
        try {
            switch (path) {
                case OciPath.Manifest m -> manifests.serve(request, response, callback, m, head);
                case OciPath.Blob b -> blobs.serve(request, response, callback, b, head);
                default -> {
                    return super.handle(request, response, callback);
                }
            }
        } catch (Throwable t) {
            failed(request, response, callback, t);
        }
        return true;
    }

    /** Before the first byte: the exception mappers' answer. After it: the response is aborted. */
    private static void failed(Request request, Response response, Callback callback, Throwable t) {
        if (!response.isCommitted()) {
            ErrorAnswer answer =
                    UnexpectedExceptionMapper.answer(t, request.getHeaders().get("X-Request-Id"));
            response.getHeaders().remove(HttpHeader.CONTENT_RANGE);
            response.getHeaders().remove(HttpHeader.ETAG);
            response.getHeaders().remove(HttpHeader.ACCEPT_RANGES);
            response.getHeaders().remove(DigestHeaders.DIGEST_HEADER);
            answer.writeTo(response, callback);
            return;
        }
        if (!(t instanceof IOException) && !(t instanceof OciException)) {
            // An OciException after the first byte was logged where it was raised (a damaged blob);
            // an IOException is the client's or the file's, and ends the transfer.
            LOG.error(
                    "response to {} failed after its first byte",
                    request.getHttpURI().getPath(),
                    t);
        }
        callback.failed(t);
    }
}
