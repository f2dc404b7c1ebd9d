package io.georeg.read.api;

import io.georeg.oci.Digest;
import io.georeg.oci.ErrorCode;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.OciException;
import io.georeg.read.ReadOptions;
import io.georeg.read.auth.Authenticator;
import io.georeg.replica.ReplicaReader;
import io.georeg.storage.BlobNotFoundException;
import io.georeg.token.AccessRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blob endpoint of the OCI distribution API ({@code GET}/{@code HEAD /v2/<name>/blobs/<digest>},
 * spec "Pulling blobs", with Range requests and {@code If-None-Match}), served by a Jetty core
 * handler in front of Jersey's servlet context: a blob body is bytes from storage, and Jersey's
 * per-request work (resource matching, response building, its output stream before the direct
 * buffers take over) was a quarter of the non-hash CPU of a 1 MiB GET. Everything else (and every
 * path {@link OciPath} refuses, which Jersey answers with the same error) goes on to Jersey.
 *
 * <p>Same rules as the rest of the API: the path is {@link OciPath}'s, authorization is the
 * {@link Authenticator}'s ({@code pull} on the repository), the blob's existence the
 * {@link ReplicaReader}'s, failures before the first byte get the answers of the two exception
 * mappers ({@link ErrorAnswer}); after it, the response is aborted. Whole blobs are hashed as they
 * are sent ({@link BlobBody}, {@link ServedBytesCheck}). Metrics and access logs are the wrappers'
 * around registry-read's handler tree, as for Jersey's answers. Built by
 * {@code RegistryReadServer.handler}; owns the {@link HashThreads}.
 */
public final class BlobHandler extends Handler.Wrapper {
    private static final Logger LOG = LoggerFactory.getLogger(BlobHandler.class);
    private static final String BLOBS = "/blobs/";

    private final ReplicaReader replica;
    private final Authenticator auth;
    private final ReadOptions options;
    private final HashThreads hashThreads;

    /** @param next Jersey's context: every request that is not a blob GET or HEAD */
    public BlobHandler(Handler next, ReplicaReader replica, Authenticator auth, ReadOptions options) {
        super(next);
        this.replica = replica;
        this.auth = auth;
        this.options = options;
        this.hashThreads = HashThreads.perProcessor();
        addBean(hashThreads, true);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String method = request.getMethod();
        boolean head = HttpMethod.HEAD.is(method);
        String raw = request.getHttpURI().getPath();
        if ((!head && !HttpMethod.GET.is(method)) || raw == null || !raw.contains(BLOBS)) {
            return super.handle(request, response, callback);
        }
        OciPath.Blob blob;
        try {
            blob = OciPath.parse(raw) instanceof OciPath.Blob b ? b : null;
        } catch (OciException refused) {
            blob = null; // Jersey parses it again and answers the same refusal
        }
        if (blob == null) {
            return super.handle(request, response, callback);
        }
        try {
            serve(request, response, blob, head);
            callback.succeeded();
        } catch (Throwable t) {
            failed(request, response, callback, t);
        }
        return true;
    }

    private void serve(Request request, Response response, OciPath.Blob b, boolean head) throws IOException {
        HttpFields in = request.getHeaders();
        auth.authorize(in.get(HttpHeader.AUTHORIZATION), AccessRequest.pull(b.name()));
        long size = replica.blobSize(b.name(), b.digest()).orElseThrow(() -> OciException.blobUnknown(b.digest()));
        String digest = b.digest().toString();
        String etag = '"' + digest + '"';
        HttpFields.Mutable out = response.getHeaders();
        if (RegistryResource.notModified(in.get(HttpHeader.IF_NONE_MATCH), digest)) {
            response.setStatus(304);
            out.put(HttpHeader.ETAG, etag);
            out.put(RegistryResource.DIGEST_HEADER, digest);
            Content.Sink.write(response, true, null);
            return;
        }
        // The replica decides whether redirects are on (ReplicaReader.blobRedirect is empty when off).
        if (!head) {
            Optional<URI> redirect = replica.blobRedirect(b.digest());
            if (redirect.isPresent()) {
                response.setStatus(307);
                out.put(HttpHeader.LOCATION, redirect.get().toString());
                out.put(RegistryResource.DIGEST_HEADER, digest);
                Content.Sink.write(response, true, null);
                return;
            }
        }
        ByteRange range = ByteRange.parse(in.get(HttpHeader.RANGE), size);
        long length = range == null ? size : range.length();
        Runnable headers = () -> {
            response.setStatus(range == null ? 200 : 206);
            out.put(HttpHeader.CONTENT_TYPE, MediaTypes.OCTET_STREAM);
            out.put(RegistryResource.DIGEST_HEADER, digest);
            out.put(HttpHeader.CONTENT_LENGTH, length);
            out.put(HttpHeader.ACCEPT_RANGES, "bytes");
            out.put(HttpHeader.ETAG, etag);
            if (range != null) {
                out.put(HttpHeader.CONTENT_RANGE, range.contentRange(size));
            }
        };
        if (head) {
            headers.run();
            Content.Sink.write(response, true, null);
            return;
        }
        ServedBytesCheck check = range == null ? new ServedBytesCheck(b.digest(), size, replica) : null;
        BlobBody body = new BlobBody(
                open(b.digest(), range == null ? 0 : range.first(), length),
                length,
                options.blobBufferBytes(),
                check,
                hashThreads);
        // Status and headers are set with the first chunk: a failure before it (a blob of one
        // chunk found damaged) is still answered with a clean error.
        body.sendTo(new BlobBody.Sink() {
            private boolean started;

            @Override
            public void write(ByteBuffer chunk, boolean last) throws IOException {
                if (!started) {
                    started = true;
                    headers.run();
                }
                Content.Sink.write(response, last, chunk);
            }
        });
    }

    /** Opens the blob before the response is committed, so that storage losing it still yields a clean {@code BLOB_UNKNOWN}. */
    private InputStream open(Digest digest, long offset, long length) {
        try {
            return replica.openBlob(digest, offset, length);
        } catch (BlobNotFoundException e) {
            throw new OciException(
                    ErrorCode.BLOB_UNKNOWN, "blob unknown to registry", Map.of("digest", digest.toString()), e);
        }
    }

    /** Before the first byte: the exception mappers' answer. After it: the response is aborted. */
    private static void failed(Request request, Response response, Callback callback, Throwable t) {
        if (!response.isCommitted()) {
            ErrorAnswer answer =
                    UnexpectedExceptionMapper.answer(t, request.getHeaders().get("X-Request-Id"));
            response.getHeaders().remove(HttpHeader.CONTENT_RANGE);
            response.getHeaders().remove(HttpHeader.ETAG);
            response.getHeaders().remove(HttpHeader.ACCEPT_RANGES);
            response.getHeaders().remove(RegistryResource.DIGEST_HEADER);
            answer.writeTo(response, callback);
            return;
        }
        if (!(t instanceof IOException) && !(t instanceof OciException)) {
            // An OciException after the first byte was logged where it was raised (a damaged blob);
            // an IOException is the client's or the file's, and ends the transfer.
            LOG.error(
                    "blob response to {} failed after its first byte",
                    request.getHttpURI().getPath(),
                    t);
        }
        callback.failed(t);
    }
}
