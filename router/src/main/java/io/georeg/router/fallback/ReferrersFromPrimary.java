package io.georeg.router.fallback;

import io.georeg.oci.ErrorCode;
import io.georeg.router.proxy.OciErrorResponse;
import io.georeg.router.proxy.ResponseInterceptor;
import io.georeg.router.proxy.UpstreamFoundDown;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary's answer to a referrers list the replica could not give (it failed or is
 * unavailable). A registry that implements the referrers API never answers it 404 (distribution
 * spec, "Listing Referrers"): a 404 means the primary lacks the API (distribution 2.8), and passed
 * on it would tell the client there are no referrers at all, although the router lists them (those
 * pushed through it at once). It becomes a 503 the client retries. A 404 naming {@code
 * NAME_UNKNOWN} is the exception: the spec's rule assumes the repository is found, and a primary
 * with the API says so of a repository it does not have (distribution 2.8 answers "404 page not
 * found", no registry error), which passes as it is. A HEAD's 404 has no body to name it (RFC 9110,
 * 9.3.2), so the primary is asked the GET of the same target ({@code getOfTheTarget}) and its body
 * decides; when that GET fails, what the 404 means is unknown and the 503 stands, unless it failed
 * because the primary was found down while it waited ({@link UpstreamFoundDown}): then the read is
 * answered as one whose primary exchange was ({@code whenFoundDown}). Any other answer goes through
 * {@code next} (the miss report) unchanged.
 */
public final class ReferrersFromPrimary implements ResponseInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(ReferrersFromPrimary.class);

    private final ResponseInterceptor next;
    private final Response response;
    private final Callback callback;
    private final Supplier<? extends CompletionStage<HeldResponse>> getOfTheTarget;
    private final Runnable whenFoundDown;

    /**
     * @param getOfTheTarget asks the primary a GET of the request's target, with the client's
     *                       credentials; called only for a HEAD's 404, and never blocks
     * @param whenFoundDown  answers the read when the primary is found down before it answered that
     *                       GET, as when it is found down before it answered the read itself
     */
    public ReferrersFromPrimary(
            ResponseInterceptor next,
            Response response,
            Callback callback,
            Supplier<? extends CompletionStage<HeldResponse>> getOfTheTarget,
            Runnable whenFoundDown) {
        this.next = next;
        this.response = response;
        this.callback = callback;
        this.getOfTheTarget = getOfTheTarget;
        this.whenFoundDown = whenFoundDown;
    }

    @Override
    public boolean hold(org.eclipse.jetty.client.Response serverToProxyResponse) {
        return serverToProxyResponse.getStatus() == 404 || next.hold(serverToProxyResponse);
    }

    @Override
    public void onHeld(HeldResponse held, Runnable release) {
        if (held.status() != 404) {
            next.onHeld(held, release);
            return;
        }
        if (!HttpMethod.HEAD.is(held.response().getRequest().getMethod())) {
            answer(ReplicaMiss.isRepositoryUnknown(held.status(), held.body()), release);
            return;
        }
        getOfTheTarget.get().whenComplete((get, failure) -> {
            Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
            if (cause instanceof UpstreamFoundDown) {
                whenFoundDown.run(); // answers the client itself, its failures included
                return;
            }
            if (failure != null) {
                LOG.debug(
                        "the primary's GET of the referrers list failed: its 404 to the HEAD stays unexplained",
                        failure);
            }
            try {
                // The HEAD's own 404 goes out, without a body, as a HEAD's answer does.
                answer(failure == null && ReplicaMiss.isRepositoryUnknown(get.status(), get.body()), release);
            } catch (RuntimeException e) {
                callback.failed(e); // not lost in the future: the client's exchange ends
            }
        });
    }

    /** Passes the primary's 404 when it says the repository is unknown, and otherwise answers 503. */
    private void answer(boolean repositoryUnknown, Runnable release) {
        if (repositoryUnknown) {
            release.run();
            return;
        }
        OciErrorResponse.send(
                response,
                callback,
                ErrorCode.UNAVAILABLE,
                "the referrers list cannot be read now: the secondary's replica did not answer it and the"
                        + " primary does not implement the referrers API; retry shortly");
    }

    @Override
    public boolean takeOverFailure(Throwable failure) {
        return next.takeOverFailure(failure);
    }
}
