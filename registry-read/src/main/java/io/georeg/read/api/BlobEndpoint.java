package io.georeg.read.api;

import io.georeg.oci.Digest;
import io.georeg.oci.ErrorCode;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.OciException;
import io.georeg.read.ReadOptions;
import io.georeg.read.ReadOptions.VerifyServedBlobs;
import io.georeg.read.StorageHealth;
import io.georeg.read.auth.Authenticator;
import io.georeg.replica.ReplicaReader;
import io.georeg.storage.BlobNotFoundException;
import io.georeg.storage.LocalFileRange;
import io.georeg.token.AccessRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The blob endpoint of the OCI distribution API ({@code GET}/{@code HEAD /v2/<name>/blobs/<digest>},
 * spec "Pulling blobs", with Range requests and {@code If-None-Match}), answered straight on
 * Jetty's response for {@link DirectReads}: a blob body is bytes from storage.
 *
 * <p>Same rules as the rest of the API: authorization is the {@link Authenticator}'s ({@code pull}
 * on the repository), the blob's existence the {@link ReplicaReader}'s, and while the
 * {@link StorageHealth} says storage is unavailable a blob the replica has is {@code 503
 * UNAVAILABLE} to the {@code HEAD} as to the {@code GET}, before either touches storage; a failure is thrown to
 * {@link DirectReads}, which answers it before the first byte and aborts the response after it.
 * Whole blobs are hashed as they are sent ({@link BlobBody}, {@link ServedBytesCheck}) as
 * {@code registryRead.verifyServedBlobs} says: {@code always}; {@code once}, by default, unless the
 * file is the one this process hashed before ({@link VerifiedFiles}) and larger than {@link
 * #ONCE_HASHES_UP_TO_BYTES}; {@code never}. The setting is about filesystem blobs (streams that
 * are a {@link LocalFileRange}): object-store streams are always hashed, ranges never. Each whole
 * GET says how it was checked ({@link WholeBlobCheck}).
 */
final class BlobEndpoint {
    /**
     * Under {@code once}, a whole filesystem blob GET of at most this many bytes is hashed as under
     * {@code always}, with no identity read and no {@link VerifiedFiles} entry: the identity path
     * (two {@code readAttributes} of the file's unix identity and the table's lookup) costs more
     * than hashing it up to about here. Measured 2026-12-06 19:34 UTC on the 2-core build machine
     * (load 3.5–5.8, one JVM, a 100,000-entry table, steady rounds): identity path 7.6–11.5 µs per
     * GET; SHA-256 of 4 KiB 3.6–5.1 µs, 8 KiB 9.0–10.1, 12 KiB 11.4–13.5, 16 KiB 12.6–19.1, 64 KiB
     * 55–89. Hashing stops being cheaper at about 8 KiB.
     */
    static final long ONCE_HASHES_UP_TO_BYTES = 8 * 1024;

    private final ReplicaReader replica;
    private final Authenticator auth;
    private final ReadOptions options;
    private final StorageHealth storage;
    private final HashThreads hashThreads;
    private final VerifiedFiles verified;

    BlobEndpoint(
            ReplicaReader replica,
            Authenticator auth,
            ReadOptions options,
            StorageHealth storage,
            HashThreads hashThreads,
            VerifiedFiles verified) {
        this.replica = replica;
        this.auth = auth;
        this.options = options;
        this.storage = storage;
        this.hashThreads = hashThreads;
        this.verified = verified;
    }

    /** Answers the whole blob read and completes {@code callback}; throws what {@link DirectReads} answers. */
    void serve(Request request, Response response, Callback callback, OciPath.Blob b, boolean head) throws IOException {
        send(request, response, b, head);
        callback.succeeded();
    }

    private void send(Request request, Response response, OciPath.Blob b, boolean head) throws IOException {
        HttpFields in = request.getHeaders();
        auth.authorize(in.get(HttpHeader.AUTHORIZATION), AccessRequest.pull(b.name()));
        long size = replica.blobSize(b.name(), b.digest()).orElseThrow(() -> OciException.blobUnknown(b.digest()));
        String digest = b.digest().toString();
        String etag = DigestHeaders.etag(digest);
        HttpFields.Mutable out = response.getHeaders();
        if (DigestHeaders.notModified(in.get(HttpHeader.IF_NONE_MATCH), digest)) {
            response.setStatus(304);
            DigestHeaders.notModified(out, digest);
            Content.Sink.write(response, true, null);
            return;
        }
        if (!storage.available()) {
            // The HEAD reads nothing from storage: without this it would say 200 of a blob whose
            // GET fails. A 304 above needs no storage; a redirect below would send the client to
            // it. Not logged per request: the watch logged the outage once.
            throw new OciException(ErrorCode.UNAVAILABLE, "the replica's blob storage is unavailable; retry later");
        }
        // The replica decides whether redirects are on (ReplicaReader.blobRedirect is empty when off).
        if (!head) {
            Optional<URI> redirect = replica.blobRedirect(b.digest());
            if (redirect.isPresent()) {
                response.setStatus(307);
                out.put(HttpHeader.LOCATION, redirect.get().toString());
                out.put(DigestHeaders.DIGEST_HEADER, digest);
                Content.Sink.write(response, true, null);
                return;
            }
        }
        ByteRange range = ByteRange.parse(in.get(HttpHeader.RANGE), size);
        long length = range == null ? size : range.length();
        Runnable headers = () -> {
            response.setStatus(range == null ? 200 : 206);
            out.put(HttpHeader.CONTENT_TYPE, MediaTypes.OCTET_STREAM);
            out.put(DigestHeaders.DIGEST_HEADER, digest);
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
        // Read before the open: a file is trusted as verified only if quiet since before it (VerifiedFiles).
        long openedAtNanos = System.currentTimeMillis() * 1_000_000L;
        InputStream blob = open(b.digest(), range == null ? 0 : range.first(), length);
        Path file = blob instanceof LocalFileRange local ? local.path() : null;
        boolean once = file != null
                && range == null
                && options.verifyServedBlobs() == VerifyServedBlobs.ONCE
                && size > ONCE_HASHES_UP_TO_BYTES;
        VerifiedFiles.Identity identity = once ? VerifiedFiles.Identity.of(file) : null;
        ServedBytesCheck check = null;
        BlobBody.LastChunkGuard unchanged = null;
        if (range == null) {
            WholeBlobCheck how = file == null
                    ? WholeBlobCheck.OBJECT_STORE
                    : switch (options.verifyServedBlobs()) {
                        case ALWAYS -> WholeBlobCheck.HASHED;
                        case NEVER -> WholeBlobCheck.NEVER;
                        case ONCE ->
                            once && verified.verified(b.digest(), identity, openedAtNanos)
                                    ? WholeBlobCheck.VERIFIED_BEFORE
                                    : WholeBlobCheck.HASHED;
                    };
            request.setAttribute(WholeBlobCheck.ATTRIBUTE, how);
            if (how == WholeBlobCheck.HASHED || how == WholeBlobCheck.OBJECT_STORE) {
                check = new ServedBytesCheck(b.digest(), size, replica);
            } else if (how == WholeBlobCheck.VERIFIED_BEFORE) {
                // A write while the unhashed bytes were read moves the file's ctime: read the
                // identity again after the last bytes were read and break off before they go out.
                unchanged = () -> {
                    if (!identity.equals(VerifiedFiles.Identity.of(file))) {
                        throw new IOException("blob file " + file + " changed while it was sent unhashed");
                    }
                };
            }
        }
        boolean recordIfVerified = once
                && check != null
                && identity != null
                && identity.quietBefore(openedAtNanos)
                && pagesWrittenBack((LocalFileRange) blob);
        BlobBody body = new BlobBody(blob, length, options.blobBufferBytes(), check, hashThreads, unchanged);
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
        if (recordIfVerified) {
            // Sent whole, so the hash matched: the file is recorded if it did not change while read.
            verified.record(b.digest(), identity, VerifiedFiles.Identity.of(file), openedAtNanos);
        }
    }

    /**
     * Writes the file's dirty pages back before a GET that may record it hashes it. A write through
     * a shared memory mapping sets the file's times only when it faults, on the first write to a
     * page since that page was written back: afterwards every such write faults and sets the ctime,
     * so none can change the recorded file unseen. False (hashed, not recorded) when refused.
     */
    private static boolean pagesWrittenBack(LocalFileRange file) {
        try {
            file.channel().force(false);
            return true;
        } catch (IOException e) {
            return false;
        }
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
}
