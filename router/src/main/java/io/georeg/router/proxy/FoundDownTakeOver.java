package io.georeg.router.proxy;

import org.eclipse.jetty.io.Content;

/**
 * An interceptor as another one is, except that an exchange given up because its upstream was found
 * down before it answered ({@link UpstreamFoundDown}) is answered by {@code whenFoundDown}: a read
 * the primary did not answer before its outage was found is asked of the replica, as a read routed
 * then would be. Made per read sent to the primary (not on the replica's path).
 */
public record FoundDownTakeOver(ResponseInterceptor next, Runnable whenFoundDown) implements ResponseInterceptor {

    @Override
    public boolean hold(org.eclipse.jetty.client.Response serverToProxyResponse) {
        return next.hold(serverToProxyResponse);
    }

    @Override
    public void onHeld(HeldResponse held, Runnable release) {
        next.onHeld(held, release);
    }

    @Override
    public boolean takeOverFailure(Throwable failure) {
        if (failure instanceof UpstreamFoundDown) {
            whenFoundDown.run();
            return true;
        }
        return next.takeOverFailure(failure);
    }

    @Override
    public Content.Source requestBody(Content.Source clientToProxyBody) {
        return next.requestBody(clientToProxyBody);
    }
}
