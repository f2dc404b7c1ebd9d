package io.georeg.egress;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How georeg's clients reach the primary site, under the {@code primary.*} configuration keys: the
 * CA certificates to trust beside the JDK's own (a primary behind an internal CA) and the forward
 * proxy that traffic to the primary must take (a corporate network). One value serves every
 * client that talks to the primary: the router's legs to the primary and its token service, the
 * replicator's copies and token requests, and the final reconcile of {@code georeg promote}; the
 * CA bundle is also trusted by {@code georeg drill}'s pulls through the registry hostname. Built
 * by the app's configuration loader and by tests; {@link #problems()} names the key and the fix.
 *
 * @param caBundle PEM file of CA certificates trusted for TLS to the primary, in addition to the
 *     JDK's; null: the JDK's alone
 * @param proxy forward proxy, {@code http://host:port}: HTTPS to the primary is tunnelled through it
 *     with {@code CONNECT}, plain HTTP sent to it in absolute form; null: direct connections
 */
public record PrimaryEgress(Path caBundle, URI proxy) {
    public static final String CA_BUNDLE_KEY = "primary.caBundle";
    public static final String PROXY_KEY = "primary.proxy";

    /** Direct connections, the JDK's trusted CAs. */
    public static final PrimaryEgress DIRECT = new PrimaryEgress(null, null);

    /** Every problem of these settings, each naming its key and the fix; empty when valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (caBundle != null) {
            try {
                TrustBundle.read(caBundle);
            } catch (IllegalArgumentException e) {
                problems.add(CA_BUNDLE_KEY + ": " + e.getMessage());
            }
        }
        if (proxy != null
                && (!"http".equals(proxy.getScheme())
                        || proxy.getHost() == null
                        || proxy.getPort() < 1
                        || proxy.getRawUserInfo() != null
                        || (proxy.getRawPath() != null
                                && !proxy.getRawPath().isEmpty()
                                && !"/".equals(proxy.getRawPath())))) {
            problems.add(PROXY_KEY + " must be http://host:port of a forward proxy, without credentials or path (got "
                    + proxy + ")");
        }
        return problems;
    }

    /** Throws {@link IllegalArgumentException} listing {@link #problems()}, if any; returns this. */
    public PrimaryEgress validate() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return this;
    }

    /** The TLS context trusting the JDK's CAs and {@link #caBundle}; empty without a bundle (the JDK's default). */
    public Optional<SSLContext> sslContext() {
        return caBundle == null
                ? Optional.empty()
                : Optional.of(TrustBundle.read(caBundle).sslContext());
    }

    /** The proxy's address, unresolved (the proxy is looked up when a connection is made); empty: direct. */
    public Optional<InetSocketAddress> proxyAddress() {
        return proxy == null
                ? Optional.empty()
                : Optional.of(InetSocketAddress.createUnresolved(proxy.getHost(), proxy.getPort()));
    }

    /** A JDK client builder set up to reach the primary: trusts the bundle and takes the proxy. */
    public HttpClient.Builder configure(HttpClient.Builder builder) {
        trustOnly(builder);
        proxyAddress().ifPresent(address -> builder.proxy(ProxySelector.of(address)));
        return builder;
    }

    /**
     * A JDK client builder that trusts the bundle but connects directly: for clients of this site
     * (the routers' admin API, pulls through the registry hostname) that need no proxy.
     */
    public HttpClient.Builder trustOnly(HttpClient.Builder builder) {
        sslContext().ifPresent(builder::sslContext);
        return builder;
    }
}
