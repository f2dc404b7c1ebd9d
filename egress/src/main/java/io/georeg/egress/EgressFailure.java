package io.georeg.egress;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Tells the failures to reach the primary that a setting fixes from the ones that pass, and says
 * which setting: a certificate the client does not trust (a private CA) is fixed by
 * {@code primary.caBundle}, a forward proxy that asks for an account by
 * {@code primary.proxyUsername}/{@code primary.proxyPassword} — neither by waiting for the primary
 * to come back. Used where a failure to reach the primary is reported: the router's health probe
 * (whose last failure the 503 of a refused push names), its proxy's 503 and the replicator's
 * transport.
 */
public final class EgressFailure {

    /**
     * A proxy's 407 to a {@code CONNECT}, as both clients report it: Jetty's in the response it
     * names ("HttpResponse[HTTP/1.1 407 …]"), the JDK's in its message ("Proxy returns "HTTP/1.1 407 …"").
     */
    private static final Pattern PROXY_ASKS_FOR_ACCOUNT = Pattern.compile("HTTP/1\\.[01] 407\\b");

    private EgressFailure() {}

    /** The operator's explanation when {@code failure} (or a cause) is one a setting fixes; else empty. */
    public static Optional<String> explain(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CertificateException
                    || t instanceof CertPathBuilderException
                    || t instanceof CertPathValidatorException) {
                return Optional.of("the primary's TLS certificate is not trusted (" + t.getMessage() + "): set "
                        + PrimaryEgress.CA_BUNDLE_KEY
                        + " to a PEM file of the CA that signed it, and check that the certificate names the host");
            }
            if (t.getMessage() != null
                    && PROXY_ASKS_FOR_ACCOUNT.matcher(t.getMessage()).find()) {
                return Optional.of(proxyAsksForAccount());
            }
        }
        return Optional.empty();
    }

    /** What to do about a forward proxy's 407, to a {@code CONNECT} or to a request sent through it. */
    public static String proxyAsksForAccount() {
        return "the forward proxy (" + PrimaryEgress.PROXY_KEY + ") asks for an account (HTTP 407): set "
                + PrimaryEgress.PROXY_USERNAME_KEY + " and " + PrimaryEgress.PROXY_PASSWORD_KEY + " (or "
                + PrimaryEgress.PROXY_PASSWORD_KEY + "File), or check them";
    }
}
