package io.georeg.egress;

import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The account a forward proxy asks for ({@code primary.proxyUsername}, {@code
 * primary.proxyPassword}), as HTTP Basic (RFC 7617; RFC 9110 section 11.7.2, {@code
 * Proxy-Authorization}): the header value Jetty's client sends up front, and the authenticator
 * the JDK's client answers a 407 with. The authenticator answers only the configured proxy and
 * never a server's 401: registries' challenges are the replicator's own to answer. Used by
 * {@link PrimaryEgress}.
 */
record ProxyAccount(String username, String password) {
    String basic() {
        return "Basic "
                + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    Authenticator authenticatorFor(InetSocketAddress proxy) {
        return new Authenticator() {
            @Override
            protected PasswordAuthentication getPasswordAuthentication() {
                if (getRequestorType() != RequestorType.PROXY
                        || !proxy.getHostString().equalsIgnoreCase(getRequestingHost())
                        || proxy.getPort() != getRequestingPort()) {
                    return null;
                }
                return new PasswordAuthentication(username, password.toCharArray());
            }
        };
    }

    @Override
    public String toString() {
        return "ProxyAccount[" + username + "]";
    }
}
