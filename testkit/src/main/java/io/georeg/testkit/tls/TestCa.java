package io.georeg.testkit.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;

/**
 * A private certificate authority made afresh for one test (Bouncy Castle, EC P-256), standing for
 * the internal CA of a primary registry that is not publicly trusted, and the server certificate
 * it issues for {@code 127.0.0.1} (an IP subject alternative name, as Go and the JDK check it).
 * {@link #writeCaBundle} is what an operator puts in {@code primary.caBundle};
 * {@link #writeServerCertificate} and {@link #writeServerKey} are what distribution's
 * {@code http.tls} serves; {@link #clientContext()} lets a test's own client trust the server.
 */
public final class TestCa {
    private static final Duration VALIDITY = Duration.ofDays(30);

    private final X509Certificate ca;
    private final X509Certificate server;
    private final KeyPair serverKeys;

    private TestCa(X509Certificate ca, X509Certificate server, KeyPair serverKeys) {
        this.ca = ca;
        this.server = server;
        this.serverKeys = serverKeys;
    }

    /** A new CA and its certificate for a server on 127.0.0.1. */
    public static TestCa create() {
        KeyPair caKeys = ecKeys();
        String caName = "CN=georeg test private CA";
        X509Certificate ca =
                TestCertificates.issue(caName, caKeys.getPublic(), caName, caKeys.getPrivate(), true, VALIDITY, null);
        KeyPair serverKeys = ecKeys();
        X509Certificate server = TestCertificates.issue(
                "CN=127.0.0.1",
                serverKeys.getPublic(),
                caName,
                caKeys.getPrivate(),
                false,
                VALIDITY,
                new GeneralNames(new GeneralName(
                        GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress())));
        return new TestCa(ca, server, serverKeys);
    }

    public X509Certificate caCertificate() {
        return ca;
    }

    /** The CA certificate as PEM: the operator's {@code primary.caBundle}. */
    public Path writeCaBundle(Path file) {
        return write(file, TestCertificates.pem(ca));
    }

    /** The server certificate followed by its CA, as a TLS server presents its chain. */
    public Path writeServerCertificate(Path file) {
        return write(file, TestCertificates.pem(server) + TestCertificates.pem(ca));
    }

    /** The server's private key, PKCS#8 PEM. */
    public Path writeServerKey(Path file) {
        return write(
                file,
                TestCertificates.pem("PRIVATE KEY", serverKeys.getPrivate().getEncoded()));
    }

    /** A TLS context trusting this CA alone, for the test's own probes of the server. */
    public SSLContext clientContext() {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("test-ca", ca);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a TLS context for the test CA", e);
        }
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an EC key", e);
        }
    }

    private static Path write(Path file, String content) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, content, java.nio.charset.StandardCharsets.US_ASCII);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
