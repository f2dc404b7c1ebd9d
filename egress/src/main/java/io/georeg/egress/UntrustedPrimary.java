package io.georeg.egress;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Optional;

/**
 * Tells a failed TLS handshake with the primary from other connection failures and says what to
 * do: a certificate the client does not trust (a private CA) is fixed by {@code primary.caBundle},
 * not by waiting for the primary to come back. Used where a failure to reach the primary is
 * reported: the router's health probe (whose last failure the 503 of a refused push names) and
 * the replicator's transport.
 */
public final class UntrustedPrimary {
    private UntrustedPrimary() {}

    /** The operator's explanation when {@code failure} (or a cause) is a rejected certificate; else empty. */
    public static Optional<String> explain(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CertificateException
                    || t instanceof CertPathBuilderException
                    || t instanceof CertPathValidatorException) {
                return Optional.of("the primary's TLS certificate is not trusted (" + t.getMessage() + "): set "
                        + PrimaryEgress.CA_BUNDLE_KEY
                        + " to a PEM file of the CA that signed it, and check that the certificate names the host");
            }
        }
        return Optional.empty();
    }
}
