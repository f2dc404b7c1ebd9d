package io.georeg.router.fence;

import io.georeg.oci.Digest;
import io.georeg.router.proxy.Upstream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-your-writes: no pull through any router instance returns an older manifest than one
 * pushed through it. A manifest PUT answered 2xx by the primary records a fence
 * ({@link #recordPush}, before the client sees the answer); a manifest read of a fenced tag or
 * digest is pinned to the primary ({@link #pinning}) until the replica answers a HEAD of the
 * same reference with the fenced digest, which clears the fence. The HEAD carries the client's
 * own {@code Authorization}, so the check sees what the client would see.
 *
 * <p>Fences are looked up in this process's {@link FenceView} while it is live (no database
 * round trip on the read path), in the table otherwise.
 *
 * <p>Called by the router's dispatcher for the {@code manifest-write} and {@code manifest-read}
 * routes; blocking (a database query, and a HEAD while fenced), run on the server's virtual
 * threads.
 */
public final class ReadYourWrites {
    private static final Logger LOG = LoggerFactory.getLogger(ReadYourWrites.class);

    /** How long a push waits for its own fence notification before its 2xx is released. */
    private static final Duration NOTIFY_WAIT = Duration.ofMillis(500);

    private final FenceStore store;
    private final FenceView view;
    private final HttpClient httpClient;
    private final Upstream replica;
    private final Duration checkTimeout;

    /** @param view this process's fences in memory, or null to query the table for every read */
    public ReadYourWrites(FenceStore store, FenceView view, HttpClient httpClient, Upstream replica, Duration checkTimeout) {
        this.store = store;
        this.view = view;
        this.httpClient = httpClient;
        this.replica = replica;
        this.checkTimeout = checkTimeout;
    }

    /**
     * Records the fence of a manifest PUT to {@code reference} that the primary accepted with
     * {@code Docker-Content-Digest: digestHeader}.
     */
    public void recordPush(String repository, String reference, String digestHeader) {
        boolean byDigest = Digest.looksLikeDigest(reference);
        String digest = digestHeader != null && !digestHeader.isBlank() ? digestHeader.trim() : byDigest ? reference : null;
        if (digest == null) {
            // distribution always sends it; a primary that does not cannot be fenced by digest.
            LOG.warn("manifest PUT {}:{} answered without Docker-Content-Digest: no read-your-writes fence", repository, reference);
            return;
        }
        long mark = view == null ? 0 : view.notificationMark();
        store.record(repository, byDigest ? null : reference, digest);
        if (view != null) {
            // In this router's view before the client sees the 2xx; other routers' views once the
            // commit's notification reached them, which it has reached ours when this returns.
            view.reload(repository);
            try {
                if (view.live() && !view.awaitNotified(mark, NOTIFY_WAIT)) {
                    LOG.debug("fence notification of {}:{} not seen within {}", repository, reference, NOTIFY_WAIT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.debug("fenced {}:{} at {}", repository, reference, digest);
    }

    /**
     * True when this process knows without blocking that no fence pins the read (its
     * {@link FenceView} is live and holds none); false means {@link #pinning} may block.
     */
    public boolean certainlyUnfenced(String repository, String reference) {
        return view != null && view.live() && view.find(repository, reference).isEmpty();
    }

    /**
     * The fence that pins a manifest read to the primary, if any. A fence the replica has
     * caught up with is cleared on the way.
     */
    public Optional<Fence> pinning(String repository, String reference, HttpFields clientHeaders) {
        Optional<Fence> fence = view != null && view.live() ? view.find(repository, reference)
                : Digest.looksLikeDigest(reference) ? store.byDigest(repository, reference)
                : store.byTag(repository, reference);
        if (fence.isEmpty()) {
            return fence;
        }
        if (replicaServes(fence.get(), reference, clientHeaders)) {
            store.clear(fence.get());
            if (view != null) {
                view.reload(repository);
            }
            LOG.debug("replica caught up with {}:{} at {}: fence cleared", repository, reference, fence.get().digest());
            return Optional.empty();
        }
        return fence;
    }

    private boolean replicaServes(Fence fence, String reference, HttpFields clientHeaders) {
        try {
            ContentResponse head = httpClient.newRequest(replica.target("/v2/" + fence.repository() + "/manifests/" + reference, null))
                    .method(HttpMethod.HEAD)
                    .headers(h -> {
                        copy(clientHeaders, h, HttpHeader.AUTHORIZATION);
                        copy(clientHeaders, h, HttpHeader.ACCEPT);
                    })
                    .timeout(checkTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .send();
            return head.getStatus() == 200 && fence.digest().equals(head.getHeaders().get("Docker-Content-Digest"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            // Cannot tell: keep the fence, the primary answers.
            LOG.debug("replica check of {}:{} failed", fence.repository(), reference, e);
            return false;
        }
    }

    private static void copy(HttpFields from, HttpFields.Mutable to, HttpHeader header) {
        for (String value : from.getValuesList(header)) {
            to.add(header, value);
        }
    }
}
