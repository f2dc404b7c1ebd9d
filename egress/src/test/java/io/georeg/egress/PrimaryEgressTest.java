package io.georeg.egress;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.testkit.tls.TestCa;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrimaryEgressTest {
    @TempDir
    Path dir;

    @Test
    void aBundleWithCommentsAroundItsCertificatesIsRead() throws Exception {
        TestCa ca = TestCa.create();
        String pem = Files.readString(ca.writeCaBundle(dir.resolve("one.pem")));
        Path bundle = Files.writeString(
                dir.resolve("bundle.pem"),
                "# corporate root\n" + pem + "\nsubject=CN=other\n" + pem,
                StandardCharsets.US_ASCII);

        PrimaryEgress egress = new PrimaryEgress(bundle, null);

        assertThat(egress.problems()).isEmpty();
        assertThat(TrustBundle.read(bundle).certificates()).hasSize(2).allMatch(c -> c.equals(ca.caCertificate()));
        assertThat(egress.sslContext()).isPresent();
        assertThat(egress.proxyAddress()).isEmpty();
    }

    @Test
    void aMissingOrEmptyBundleIsAProblemNamingTheKey() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "not a certificate\n");

        assertThat(new PrimaryEgress(dir.resolve("absent.pem"), null).problems())
                .singleElement()
                .asString()
                .startsWith("primary.caBundle: cannot read");
        assertThat(new PrimaryEgress(empty, null).problems())
                .singleElement()
                .asString()
                .startsWith("primary.caBundle: ")
                .contains("no -----BEGIN CERTIFICATE----- block");
    }

    @Test
    void aProxyMustBeHttpHostAndPort() {
        assertThat(new PrimaryEgress(null, URI.create("http://proxy.corp:3128")).problems())
                .isEmpty();
        assertThat(new PrimaryEgress(null, URI.create("http://proxy.corp:3128"))
                        .proxyAddress()
                        .map(a -> a.getHostString() + ":" + a.getPort()))
                .contains("proxy.corp:3128");
        for (String bad : new String[] {
            "https://proxy.corp:3128", "http://proxy.corp", "http://u:p@proxy.corp:3128", "http://proxy.corp:3128/x"
        }) {
            assertThat(new PrimaryEgress(null, URI.create(bad)).problems())
                    .as(bad)
                    .singleElement()
                    .asString()
                    .startsWith("primary.proxy must be http://host:port");
        }
    }

    @Test
    void onlyARejectedCertificateIsExplainedAsAnUntrustedPrimary() {
        Exception handshake = new SSLHandshakeException("PKIX path building failed");
        handshake.initCause(new CertificateException("unable to find valid certification path"));

        assertThat(UntrustedPrimary.explain(new RuntimeException("wrapped", handshake)))
                .hasValueSatisfying(m -> assertThat(m).contains("not trusted").contains("set primary.caBundle"));
        assertThat(UntrustedPrimary.explain(new CertPathValidatorException("expired")))
                .isPresent();
        assertThat(UntrustedPrimary.explain(new java.net.ConnectException("Connection refused")))
                .isEmpty();
    }
}
