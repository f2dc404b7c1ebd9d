package io.georeg.egress;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The CA certificates of a PEM bundle ({@code primary.caBundle}), as an {@link SSLContext} that
 * trusts them beside the JDK's own CAs: a primary behind an internal CA is trusted, and what the
 * primary redirects to (public object storage serving pre-signed blob URLs) still is. Text
 * around the {@code CERTIFICATE} blocks (comments, as in system bundles) is ignored. Used by
 * {@link PrimaryEgress}.
 */
final class TrustBundle {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", Pattern.DOTALL);

    private final List<X509Certificate> certificates;

    private TrustBundle(List<X509Certificate> certificates) {
        this.certificates = List.copyOf(certificates);
    }

    /** Reads every certificate of {@code pem}; throws naming the file and the fix when there is none or one is bad. */
    static TrustBundle read(Path pem) {
        String text;
        try {
            text = Files.readString(pem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read " + pem + " (" + e + "): mount the PEM file of the primary's CA there", e);
        }
        List<X509Certificate> certificates = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            while (m.find()) {
                byte[] der = Base64.getMimeDecoder().decode(m.group(1));
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    pem + " holds a certificate that cannot be parsed (" + e.getMessage()
                            + "): it must be PEM, -----BEGIN CERTIFICATE----- blocks",
                    e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(pem
                    + " holds no -----BEGIN CERTIFICATE----- block: put the PEM certificate of the primary's CA in it");
        }
        return new TrustBundle(certificates);
    }

    List<X509Certificate> certificates() {
        return certificates;
    }

    /** TLS trusting the JDK's CAs and this bundle's, with the JDK's host name checks. */
    SSLContext sslContext() {
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int n = 0;
            for (X509Certificate ca : jdkCas()) {
                trusted.setCertificateEntry("jdk-" + n++, ca);
            }
            for (X509Certificate ca : certificates) {
                trusted.setCertificateEntry("bundle-" + n++, ca);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a TLS context from the CA bundle: " + e, e);
        }
    }

    private static List<X509Certificate> jdkCas() throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        List<X509Certificate> cas = new ArrayList<>();
        for (TrustManager tm : factory.getTrustManagers()) {
            if (tm instanceof X509TrustManager x509) {
                cas.addAll(List.of(x509.getAcceptedIssuers()));
            }
        }
        return cas;
    }
}
