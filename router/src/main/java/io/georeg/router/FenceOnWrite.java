package io.georeg.router;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.oci.Digest;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.OciException;
import io.georeg.oci.ParsedManifest;
import io.georeg.router.fence.Fence;
import io.georeg.router.fence.ReadYourWrites;
import io.georeg.router.proxy.CopyingContentSource;
import io.georeg.router.proxy.ResponseInterceptor;
import io.georeg.router.route.RouteId;
import io.georeg.router.route.RouteMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the primary's 2xx to a write until the write's read-your-writes fences are recorded, so
 * no read that starts after the client saw the answer can miss them. Which fences:
 * <ul>
 * <li>manifest {@code PUT}: the tag (or the digest) now at the pushed digest, and, when the
 *     manifest has a {@code subject}, the referrer in the subject's referrers list — the
 *     manifest is read from the request body as it streams to the primary;</li>
 * <li>manifest {@code DELETE}: the manifest gone (by digest), or the tag gone (by tag, where the
 *     primary allows it);</li>
 * <li>blob {@code DELETE}: the blob gone.</li>
 * </ul>
 * A manifest or blob gone carries the replica's delete generation read before the delete went
 * to the primary ({@link RouterFences#onWrite}): the fence stands until the replica applied it.
 * A pushed manifest with a {@code subject} is answered with {@code OCI-Subject} (distribution
 * spec 1.1, "Pushing manifests with subject") when the primary did not say it (distribution 2.8
 * does not): through the router the referrers API lists the referrer at once.
 */
final class FenceOnWrite implements ResponseInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(FenceOnWrite.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String OCI_SUBJECT = "OCI-Subject";

    private final ReadYourWrites readYourWrites;
    private final RouterMetrics metrics;
    private final LocalBackends backends;
    private final RouteMatch match;
    private final String method;
    private final String contentType;
    private final Response proxyToClientResponse;
    /** For a delete: the replica's delete generation before it went to the primary. */
    private final long replicaDeleteGeneration;

    private volatile CopyingContentSource body;

    FenceOnWrite(
            ReadYourWrites readYourWrites,
            RouterMetrics metrics,
            LocalBackends backends,
            RouteMatch match,
            Request request,
            Response proxyToClientResponse,
            long replicaDeleteGeneration) {
        this.readYourWrites = readYourWrites;
        this.metrics = metrics;
        this.backends = backends;
        this.match = match;
        this.method = request.getMethod();
        this.contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        this.proxyToClientResponse = proxyToClientResponse;
        this.replicaDeleteGeneration = replicaDeleteGeneration;
    }

    @Override
    public Content.Source requestBody(Content.Source clientToProxyBody) {
        if (!isManifestPush()) {
            return clientToProxyBody;
        }
        CopyingContentSource copying = new CopyingContentSource(clientToProxyBody, ManifestParser.MAX_MANIFEST_BYTES);
        body = copying;
        return copying;
    }

    @Override
    public boolean hold(org.eclipse.jetty.client.Response serverToProxyResponse) {
        return serverToProxyResponse.getStatus() / 100 == 2;
    }

    @Override
    public void onHeld(HeldResponse held, Runnable release) {
        if (!backends.databaseUp()) {
            // Waiting for a database that is known to be down would only delay a write that is
            // done; reads go to the primary until it is back (ReplicaRead).
            metrics.fenceError();
            LOG.warn(
                    "{} {}:{} succeeded; the tracking database is unavailable, so no read-your-writes fence was recorded",
                    method,
                    match.repository(),
                    match.reference());
            release.run();
            return;
        }
        // A database round trip: off the HTTP client's threads.
        Thread.ofVirtual().name("fence-record").start(() -> {
            try {
                List<Fence.Write> writes = fencesOf(held.response());
                metrics.fenceAckWaited(readYourWrites.record(match.repository(), writes));
            } catch (RuntimeException e) {
                // The write itself succeeded on the primary; failing it now would make the
                // client retry a write that is done. The error is counted and logged loudly.
                metrics.fenceError();
                LOG.error(
                        "{} {}:{} succeeded but its read-your-writes fences were not recorded",
                        method,
                        match.repository(),
                        match.reference(),
                        e);
            } finally {
                release.run();
            }
        });
    }

    private boolean isManifestPush() {
        return match.routeId() == RouteId.MANIFEST_WRITE && "PUT".equals(method);
    }

    private List<Fence.Write> fencesOf(org.eclipse.jetty.client.Response answer) {
        String repository = match.repository();
        String reference = match.reference();
        boolean byDigest = Digest.looksLikeDigest(reference);
        if (match.routeId() == RouteId.BLOB_DELETE) {
            return List.of(Fence.Write.blobDeleted(repository, reference, replicaDeleteGeneration));
        }
        if (!isManifestPush()) {
            return List.of(
                    byDigest
                            ? Fence.Write.manifestDeleted(repository, reference, replicaDeleteGeneration)
                            : Fence.Write.tagDeleted(repository, reference, replicaDeleteGeneration));
        }
        String header = answer.getHeaders().get("Docker-Content-Digest");
        String digest = header != null && !header.isBlank() ? header.trim() : byDigest ? reference : null;
        if (digest == null) {
            // distribution always sends it; a primary that does not cannot be fenced by digest.
            LOG.warn(
                    "manifest PUT {}:{} answered without Docker-Content-Digest: no read-your-writes fence",
                    repository,
                    reference);
            return List.of();
        }
        List<Fence.Write> writes = new ArrayList<>();
        writes.add(
                byDigest
                        ? Fence.Write.manifestPushed(repository, digest)
                        : Fence.Write.tagPushed(repository, reference, digest));
        byte[] bytes = body == null ? null : body.copy();
        pushedManifest(bytes, digest).filter(m -> m.subject().isPresent()).ifPresent(m -> {
            String subject = m.subject().get().digest().toString();
            writes.add(Fence.Write.referrerPushed(
                    repository, subject, digest, referrerDescriptor(m, digest, bytes.length)));
            if (answer.getHeaders().get(OCI_SUBJECT) == null) {
                proxyToClientResponse.getHeaders().put(OCI_SUBJECT, subject);
            }
        });
        return writes;
    }

    /** The manifest as the client sent it, when its bytes are the pushed digest's. */
    private Optional<ParsedManifest> pushedManifest(byte[] bytes, String digest) {
        if (bytes == null || bytes.length == 0) {
            return Optional.empty();
        }
        try {
            Digest pushed = Digest.parse(digest);
            if (!pushed.recompute(bytes).equals(pushed)) {
                return Optional.empty();
            }
            return Optional.of(
                    ManifestParser.parse(bytes, contentType == null ? null : ManifestParser.stripParams(contentType)));
        } catch (OciException | IllegalArgumentException e) {
            LOG.debug("pushed manifest {}:{} not parsed for its subject", match.repository(), digest, e);
            return Optional.empty();
        }
    }

    /** The descriptor the referrers API lists for the pushed manifest (distribution spec 1.1, "Listing Referrers"). */
    private static String referrerDescriptor(ParsedManifest m, String digest, long size) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", m.mediaType());
        d.put("digest", digest);
        d.put("size", size);
        if (m.artifactType() != null) {
            d.put("artifactType", m.artifactType());
        }
        if (!m.annotations().isEmpty()) {
            ObjectNode annotations = d.putObject("annotations");
            m.annotations().forEach(annotations::put);
        }
        return d.toString();
    }
}
