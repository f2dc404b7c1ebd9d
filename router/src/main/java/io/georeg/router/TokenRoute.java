package io.georeg.router;

import io.georeg.router.proxy.ResponseInterceptor;
import io.georeg.router.proxy.Upstream;
import io.georeg.router.route.RouteMatch;
import java.net.URI;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The leg of the token endpoint ({@code AUTH}): admitted like a write (a login needs the primary
 * site), proxied to the configured token URL ({@code router.authUrl}), or to the same path on the
 * primary's registry when none is configured.
 */
final class TokenRoute implements RouteLeg {
    private final PrimarySite primary;
    private final Upstream fixedAuth;
    private final URI authTarget;
    private final RouterMetrics metrics;

    /** @param authTarget the token endpoint's URL, or null for the primary's own path */
    TokenRoute(PrimarySite primary, URI authTarget, RouterMetrics metrics) {
        this.primary = primary;
        this.authTarget = authTarget;
        this.fixedAuth = authTarget == null ? null
                : new Upstream("auth", "the primary site's token endpoint", URI.create(authTarget.getScheme() + "://" + authTarget.getRawAuthority()));
        this.metrics = metrics;
    }

    @Override
    public void answer(Request request, Response response, Callback callback, RequestRecord record, RouteMatch match) {
        metrics.routed(record, match, "auth");
        if (fixedAuth == null) {
            primary.sendAdmitted(request, response, callback, record, primary.registry(), "auth", primary.target(request),
                    ResponseInterceptor.NONE);
        } else {
            primary.sendAdmitted(request, response, callback, record, fixedAuth, "auth",
                    fixedAuth.target(authTarget.getRawPath(), request.getHttpURI().getQuery()), ResponseInterceptor.NONE);
        }
    }
}
