package io.georeg.router.proxy;

import io.georeg.egress.PrimaryEgress;
import java.net.URI;
import org.eclipse.jetty.client.Authentication;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpProxy;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;

/**
 * How the router's upstream client takes {@code primary.proxy}: every upstream but registry-read
 * (this site's own, in process or beside the router) and the hosts {@code primary.noProxy} names
 * is reached through the forward proxy — the primary, whichever a promotion made it, and its
 * token service. HTTPS goes through a {@code CONNECT} tunnel, plain HTTP in absolute form. With
 * {@code primary.proxyUsername} the proxy's account is sent up front on every request to the
 * proxy, the {@code CONNECT} included: the router answers no 407 itself (it passes upstream
 * statuses through, {@code Router.passUpstreamStatusesThrough}), so a proxy that asks first would
 * fail each new connection. Called once by {@code Router.start}.
 */
public final class ForwardProxy {
    private ForwardProxy() {}

    /** Adds the proxy of {@code egress} to {@code client}, if one is set; {@code replica} never takes it. */
    public static void install(HttpClient client, PrimaryEgress egress, URI replica) {
        egress.proxyAddress().ifPresent(address -> {
            HttpProxy proxy = new HttpProxy(new Origin.Address(address.getHostString(), address.getPort()), false) {
                @Override
                public boolean matches(Origin origin) {
                    Origin.Address target = origin.getAddress();
                    return super.matches(origin) && egress.takesProxy(target.getHost(), target.getPort());
                }
            };
            proxy.getExcludedAddresses().add(replica.getHost() + ":" + replica.getPort());
            client.getProxyConfiguration().addProxy(proxy);
            egress.proxyAuthorization()
                    .ifPresent(value -> client.getAuthenticationStore()
                            .addAuthenticationResult(new ProxyAccount(proxy.getURI(), value)));
        });
    }

    /**
     * The account applied to requests whose URI is the proxy's: Jetty gives a tunnel's {@code
     * CONNECT} the proxy's URI, and looks a proxied request's account up by it.
     */
    private record ProxyAccount(URI proxy, String authorization) implements Authentication.Result {
        @Override
        public URI getURI() {
            return proxy;
        }

        @Override
        public void apply(Request request) {
            request.headers(headers -> headers.put(HttpHeader.PROXY_AUTHORIZATION, authorization));
        }
    }
}
