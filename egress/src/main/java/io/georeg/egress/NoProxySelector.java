package io.georeg.egress;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;

/**
 * The JDK client's choice of proxy per request: {@code primary.proxy}, unless {@code
 * primary.noProxy} names the request's host. Asked for every request, redirects included, so a
 * pre-signed URL of object storage inside the network goes directly. Used by {@link
 * PrimaryEgress#configure}.
 */
final class NoProxySelector extends ProxySelector {
    private final List<Proxy> viaProxy;
    private final NoProxy noProxy;

    NoProxySelector(InetSocketAddress proxy, NoProxy noProxy) {
        this.viaProxy = List.of(new Proxy(Proxy.Type.HTTP, proxy));
        this.noProxy = noProxy;
    }

    @Override
    public List<Proxy> select(URI uri) {
        int port = uri.getPort() >= 0 ? uri.getPort() : ("https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80);
        return noProxy.bypasses(uri.getHost(), port) ? List.of(Proxy.NO_PROXY) : viaProxy;
    }

    @Override
    public void connectFailed(URI uri, SocketAddress address, IOException failure) {
        // One proxy and no alternative: the request fails with the failure, nothing to remember.
    }
}
