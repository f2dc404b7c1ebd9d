package io.georeg.egress;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How georeg's clients reach the primary site, under the {@code primary.*} configuration keys: the
 * CA certificates to trust beside the JDK's own (a primary behind an internal CA), the forward
 * proxy that traffic to the primary must take (a corporate network), the account the proxy asks
 * for, and the hosts reached directly despite the proxy. One value serves every client that talks
 * to the primary: the router's legs to the primary and its token service, the replicator's copies
 * and token requests, and the final reconcile of {@code georeg promote}; the CA bundle is also
 * trusted by {@code georeg drill}'s pulls through the registry hostname. Built by the app's
 * configuration loader and by tests; {@link #problems()} names the key and the fix.
 *
 * @param caBundle PEM file of CA certificates trusted for TLS to the primary, in addition to the
 *     JDK's; null: the JDK's alone
 * @param proxy forward proxy, {@code http://host:port}: HTTPS to the primary is tunnelled through it
 *     with {@code CONNECT}, plain HTTP sent to it in absolute form; null: direct connections
 * @param noProxy hosts reached directly although {@code proxy} is set, as {@code NO_PROXY} lists
 *     them ({@link NoProxy}); empty: every connection to the primary site takes the proxy
 * @param proxyUsername the account the proxy asks for, as HTTP Basic ({@link ProxyAccount}); null:
 *     the proxy admits georeg without one
 * @param proxyPassword that account's password (secret; {@code proxyPasswordFile})
 */
public record PrimaryEgress(
        Path caBundle, URI proxy, List<String> noProxy, String proxyUsername, String proxyPassword) {
    public static final String CA_BUNDLE_KEY = "primary.caBundle";
    public static final String PROXY_KEY = "primary.proxy";
    public static final String NO_PROXY_KEY = "primary.noProxy";
    public static final String PROXY_USERNAME_KEY = "primary.proxyUsername";
    public static final String PROXY_PASSWORD_KEY = "primary.proxyPassword";

    /** Direct connections, the JDK's trusted CAs. */
    public static final PrimaryEgress DIRECT = new PrimaryEgress(null, null);

    public PrimaryEgress {
        // Kept as given, blank or null entries included: problems() names them instead of a bare NPE.
        noProxy = noProxy == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(noProxy));
    }

    /** A CA bundle and a proxy that needs no account, taken for every host. */
    public PrimaryEgress(Path caBundle, URI proxy) {
        this(caBundle, proxy, List.of(), null, null);
    }

    /** This egress with {@code hosts} reached directly ({@link #noProxy()}). */
    public PrimaryEgress withNoProxy(List<String> hosts) {
        return new PrimaryEgress(caBundle, proxy, hosts, proxyUsername, proxyPassword);
    }

    /** This egress with the account the proxy asks for. */
    public PrimaryEgress withProxyAccount(String username, String password) {
        return new PrimaryEgress(caBundle, proxy, noProxy, username, password);
    }

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
                    + proxy + "); put the proxy's account in " + PROXY_USERNAME_KEY + " and "
                    + PROXY_PASSWORD_KEY);
        }
        if (proxy == null && !noProxy.isEmpty()) {
            problems.add(NO_PROXY_KEY + " names hosts to reach without the proxy, but " + PROXY_KEY
                    + " is not set: set the proxy or remove " + NO_PROXY_KEY);
        }
        problems.addAll(NoProxy.parse(noProxy).problems());
        boolean hasUser = proxyUsername != null && !proxyUsername.isEmpty();
        boolean hasPassword = proxyPassword != null && !proxyPassword.isEmpty();
        if (hasUser && proxy == null) {
            problems.add(
                    PROXY_USERNAME_KEY + " is set but " + PROXY_KEY + " is not: set the proxy or remove the account");
        }
        if (hasUser && proxyUsername.indexOf(':') >= 0) {
            problems.add(PROXY_USERNAME_KEY + " must not contain ':' (HTTP Basic separates the password with it)");
        }
        if (hasUser != hasPassword) {
            problems.add(PROXY_PASSWORD_KEY + " is required exactly when " + PROXY_USERNAME_KEY + " is set (or give "
                    + PROXY_PASSWORD_KEY + "File, a file holding it)");
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

    /**
     * True when a connection to {@code host}:{@code port} takes the proxy: one is set and
     * {@link #noProxy} does not name the host.
     */
    public boolean takesProxy(String host, int port) {
        return proxy != null && !NoProxy.parse(noProxy).bypasses(host, port);
    }

    /** The {@code Proxy-Authorization} value for the proxy's account ({@code Basic …}); empty without one. */
    public Optional<String> proxyAuthorization() {
        return proxyAccount().map(ProxyAccount::basic);
    }

    /**
     * A JDK client builder set up to reach the primary: trusts the bundle, takes the proxy for
     * every host {@link #noProxy} does not name, and answers the proxy's 407 with its account.
     */
    public HttpClient.Builder configure(HttpClient.Builder builder) {
        trustOnly(builder);
        proxyAddress().ifPresent(address -> {
            builder.proxy(new NoProxySelector(address, NoProxy.parse(noProxy)));
            proxyAccount().ifPresent(account -> builder.authenticator(account.authenticatorFor(address)));
        });
        return builder;
    }

    private Optional<ProxyAccount> proxyAccount() {
        return proxyUsername == null || proxyUsername.isEmpty()
                ? Optional.empty()
                : Optional.of(new ProxyAccount(proxyUsername, proxyPassword == null ? "" : proxyPassword));
    }

    /** The settings without the proxy's password, for logs and messages. */
    @Override
    public String toString() {
        return "PrimaryEgress[caBundle=" + caBundle + ", proxy=" + proxy + ", noProxy=" + noProxy
                + ", proxyUsername=" + proxyUsername + ", proxyPassword="
                + (proxyPassword == null ? "null" : "****") + "]";
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
