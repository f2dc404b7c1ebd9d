package io.georeg.egress;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.testkit.tls.TestCa;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Base64;
import java.util.List;
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
    void theProxysAccountAndNoProxyNeedAProxyAndEachOther() {
        URI proxy = URI.create("http://proxy.corp:3128");

        assertThat(new PrimaryEgress(null, proxy)
                        .withNoProxy(List.of(".corp", "10.0.0.0/8"))
                        .withProxyAccount("georeg", "s3cret")
                        .problems())
                .isEmpty();
        assertThat(new PrimaryEgress(null, null).withNoProxy(List.of("corp")).problems())
                .singleElement()
                .asString()
                .startsWith("primary.noProxy names hosts");
        assertThat(new PrimaryEgress(null, null)
                        .withProxyAccount("georeg", "s3cret")
                        .problems())
                .singleElement()
                .asString()
                .startsWith("primary.proxyUsername is set but primary.proxy is not");
        assertThat(new PrimaryEgress(null, proxy)
                        .withProxyAccount("georeg", null)
                        .problems())
                .singleElement()
                .asString()
                .startsWith("primary.proxyPassword is required exactly when primary.proxyUsername is set");
        assertThat(new PrimaryEgress(null, proxy)
                        .withProxyAccount(null, "s3cret")
                        .problems())
                .singleElement()
                .asString()
                .startsWith("primary.proxyPassword is required");
        assertThat(new PrimaryEgress(null, proxy)
                        .withProxyAccount("geo:reg", "s3cret")
                        .problems())
                .singleElement()
                .asString()
                .startsWith("primary.proxyUsername must not contain ':'");
        assertThat(new PrimaryEgress(null, proxy)
                        .withNoProxy(List.of("10.0.0.0/40"))
                        .problems())
                .singleElement()
                .asString()
                .startsWith("primary.noProxy entry '10.0.0.0/40'");
    }

    @Test
    void theAccountIsSentAsBasicAndNeverPrinted() {
        PrimaryEgress egress =
                new PrimaryEgress(null, URI.create("http://proxy.corp:3128")).withProxyAccount("georeg", "s3cret");

        assertThat(egress.proxyAuthorization())
                .contains("Basic "
                        + Base64.getEncoder().encodeToString("georeg:s3cret".getBytes(StandardCharsets.UTF_8)));
        assertThat(egress.toString()).contains("georeg").doesNotContain("s3cret");
        assertThat(new PrimaryEgress(null, URI.create("http://proxy.corp:3128")).proxyAuthorization())
                .isEmpty();
    }

    @Test
    void onlyHostsNoProxyNamesGoDirectly() throws Exception {
        PrimaryEgress egress = new PrimaryEgress(null, URI.create("http://proxy.corp:3128"))
                .withNoProxy(List.of("auth.corp", "10.0.0.0/8"));

        assertThat(egress.takesProxy("registry.example.com", 443)).isTrue();
        assertThat(egress.takesProxy("auth.corp", 443)).isFalse();
        assertThat(egress.takesProxy("10.1.1.1", 5000)).isFalse();
        assertThat(PrimaryEgress.DIRECT.takesProxy("registry.example.com", 443)).isFalse();

        // The JDK client's selector follows the same rule per request, redirects included.
        try (HttpClient client = egress.configure(HttpClient.newBuilder()).build()) {
            ProxySelector selector = client.proxy().orElseThrow();
            assertThat(selector.select(URI.create("https://registry.example.com/v2/")))
                    .singleElement()
                    .satisfies(p -> assertThat(p.type()).isEqualTo(Proxy.Type.HTTP));
            assertThat(selector.select(URI.create("https://auth.corp/jwt/auth")))
                    .containsExactly(Proxy.NO_PROXY);
            assertThat(selector.select(URI.create("http://10.2.3.4:9000/bucket/blob")))
                    .containsExactly(Proxy.NO_PROXY);
            assertThat(client.authenticator()).isEmpty();
        }
    }

    @Test
    void aProxyAskingForAnAccountIsExplainedWithItsSettings() {
        // as the JDK's client (the replicator) and Jetty's (the router) report a proxy's 407 to a CONNECT
        Exception jdk = new java.io.IOException(
                "Unable to tunnel through proxy. Proxy returns \"HTTP/1.1 407 Proxy Authentication Required\"");
        Exception jetty = new RuntimeException(
                "Unexpected HttpResponse[HTTP/1.1 407 Proxy Authentication Required]@1 for TunnelRequest[CONNECT h:443]");

        for (Exception failure : List.of(jdk, new RuntimeException("wrapped", jetty))) {
            assertThat(EgressFailure.explain(failure))
                    .hasValueSatisfying(m -> assertThat(m)
                            .contains("407")
                            .contains("primary.proxyUsername")
                            .contains("primary.proxyPassword"));
        }
        assertThat(EgressFailure.explain(new java.io.IOException("GET /v2/app/blobs/sha256:4071 answered 404")))
                .as("a 407 anywhere but in a status line is not the proxy's")
                .isEmpty();
    }

    @Test
    void aRejectedCertificateIsExplainedAndARefusedConnectionIsNot() {
        Exception handshake = new SSLHandshakeException("PKIX path building failed");
        handshake.initCause(new CertificateException("unable to find valid certification path"));

        assertThat(EgressFailure.explain(new RuntimeException("wrapped", handshake)))
                .hasValueSatisfying(m -> assertThat(m).contains("not trusted").contains("set primary.caBundle"));
        assertThat(EgressFailure.explain(new CertPathValidatorException("expired")))
                .isPresent();
        assertThat(EgressFailure.explain(new java.net.ConnectException("Connection refused")))
                .isEmpty();
    }
}
