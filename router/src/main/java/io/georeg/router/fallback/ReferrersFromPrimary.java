package io.georeg.router.fallback;

import io.georeg.oci.ErrorCode;
import io.georeg.router.proxy.OciErrorResponse;
import io.georeg.router.proxy.ResponseInterceptor;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The primary's answer to a referrers list the replica could not give (it failed or is
 * unavailable). A registry that implements the referrers API never answers it 404 (distribution
 * spec, "Listing Referrers"): a 404 means the primary lacks the API (distribution 2.8), and passed
 * on it would tell the client there are no referrers at all, although the router lists them (those
 * pushed through it at once). It becomes a 503 the client retries. A 404 naming {@code
 * NAME_UNKNOWN} is the exception: the spec's rule assumes the repository is found, and a primary
 * with the API says so of a repository it does not have (distribution 2.8 answers "404 page not
 * found", no registry error), which passes as it is. Any other answer goes through {@code next}
 * (the miss report) unchanged.
 */
public final class ReferrersFromPrimary implements ResponseInterceptor {
    private final ResponseInterceptor next;
    private final Response response;
    private final Callback callback;

    public ReferrersFromPrimary(ResponseInterceptor next, Response response, Callback callback) {
        this.next = next;
        this.response = response;
        this.callback = callback;
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
        if (ReplicaMiss.isRepositoryUnknown(held.status(), held.body())) {
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
