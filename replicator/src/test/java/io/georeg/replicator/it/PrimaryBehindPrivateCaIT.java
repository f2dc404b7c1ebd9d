package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.georeg.egress.PrimaryEgress;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.ops.Closing;
import io.georeg.replicator.primary.PrimaryClient;
import io.georeg.replicator.primary.PrimaryConfig;
import io.georeg.replicator.primary.PrimaryException;
import io.georeg.replicator.reconcile.SyncConfig;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tls.TestCa;
import io.georeg.testkit.tools.ConnectProxy;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import io.georeg.testkit.tools.Skopeo;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A primary served over HTTPS with a certificate of a private CA (made for the test), reached
 * through a forward proxy that only tunnels and asks for an account: the replicator copies what
 * the primary's notifications announce only through {@code primary.caBundle}, {@code
 * primary.proxy} and the proxy's account ({@code primary.proxyUsername}, {@code
 * primary.proxyPassword}), every connection to the primary going through the proxy; without the
 * bundle the primary is refused with an error that names the key, without the account the proxy's
 * 407 names the account's keys, and hosts {@code primary.noProxy} names are reached directly. The
 * failsafe JVM allows Basic in tunnels as georeg's entry point does ({@code
 * JdkClientProperties.applyDefaults}): the JDK reads that once, before any test runs.
 */
class PrimaryBehindPrivateCaIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path temp;

    private static TestCa ca;
    private static Path caBundle;
    private static ReplicatorUnderTest replica;
    private static Distribution primary;
    private static ConnectProxy proxy;
    private static final String PROXY_USER = "georeg";
    private static final String PROXY_PASSWORD = "proxy-password-1";

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create();
        caBundle = ca.writeCaBundle(temp.resolve("primary-ca.pem"));
        replica = new ReplicatorUnderTest(DB, temp.resolve("replica"));
        primary = Distribution.storingUnder(
                temp.resolve("primary"),
                config -> config.withTls(DistributionConfig.Tls.of(ca, temp.resolve("tls")))
                        .withNotification(DistributionConfig.NotificationEndpoint.bearer(
                                "georeg", replica.intakeUrl(), ReplicatorUnderTest.SECRET)));
        proxy = ConnectProxy.requiringAccount(PROXY_USER, PROXY_PASSWORD);
    }

    private static PrimaryEgress throughTheProxy() {
        return new PrimaryEgress(caBundle, URI.create(proxy.url())).withProxyAccount(PROXY_USER, PROXY_PASSWORD);
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(replica, primary, proxy);
    }

    @Test
    void withoutTheBundleThePrimaryIsRefusedNamingTheKey() {
        assertThat(primary.url().getScheme()).isEqualTo("https");
        try (PrimaryClient client = PrimaryClient.create(PrimaryConfig.anonymous(primary.url()))) {
            assertThatThrownBy(() ->
                            client.content().headManifest(RepositoryName.of("nothing/here"), Reference.parse("v1")))
                    .isInstanceOf(PrimaryException.class)
                    .hasMessageContaining("not trusted")
                    .hasMessageContaining("set primary.caBundle");
        }
    }

    @Test
    void aProxyThatAsksForAnAccountIsAnsweredWithTheConfiguredOne() {
        RepositoryName repository = RepositoryName.of("nothing/here");
        try (PrimaryClient without = PrimaryClient.create(
                PrimaryConfig.anonymous(primary.url()), new PrimaryEgress(caBundle, URI.create(proxy.url())))) {
            assertThatThrownBy(() -> without.content().headManifest(repository, Reference.parse("v1")))
                    .isInstanceOf(PrimaryException.class)
                    .hasMessageContaining("HTTP 407")
                    .hasMessageContaining("set primary.proxyUsername and primary.proxyPassword");
        }
        int refusedBefore = proxy.refused();
        long tunnelsBefore = proxy.tunnelsTo(primary.hostPort());

        try (PrimaryClient with = PrimaryClient.create(PrimaryConfig.anonymous(primary.url()), throughTheProxy())) {
            assertThat(with.content().headManifest(repository, Reference.parse("v1")))
                    .as("the primary's 404, reached through the proxy")
                    .isEmpty();
        }
        assertThat(proxy.tunnelsTo(primary.hostPort())).isGreaterThan(tunnelsBefore);
        assertThat(proxy.refused())
                .as("the JDK client answers the proxy's challenge")
                .isGreaterThan(refusedBefore);
    }

    @Test
    void hostsNoProxyNamesAreReachedDirectly() throws Exception {
        RepositoryName repository = RepositoryName.of("nothing/here");
        try (ConnectProxy bypassed = ConnectProxy.start();
                PrimaryClient client = PrimaryClient.create(
                        PrimaryConfig.anonymous(primary.url()),
                        new PrimaryEgress(caBundle, URI.create(bypassed.url()))
                                .withNoProxy(List.of("registry.corp.example", "127.0.0.0/8")))) {
            assertThat(client.content().headManifest(repository, Reference.parse("v1")))
                    .isEmpty();
            assertThat(bypassed.tunnels()).as("tunnels through the proxy").isEmpty();
        }
        try (ConnectProxy taken = ConnectProxy.start();
                PrimaryClient client = PrimaryClient.create(
                        PrimaryConfig.anonymous(primary.url()),
                        new PrimaryEgress(caBundle, URI.create(taken.url()))
                                .withNoProxy(List.of("registry.corp.example", "10.0.0.0/8")))) {
            assertThat(client.content().headManifest(repository, Reference.parse("v1")))
                    .isEmpty();
            assertThat(taken.tunnelsTo(primary.hostPort()))
                    .as("a host noProxy does not name takes the proxy")
                    .isPositive();
        }
    }

    @Test
    void withTheBundleAndTheProxyTheReplicatorCopiesThroughTheProxy() throws Exception {
        replica.build(
                        PrimaryConfig.anonymous(primary.url()),
                        ReplicatorUnderTest.fastRetries(2),
                        SyncConfig.everything(),
                        throughTheProxy())
                .start();
        TestImage image = TestImages.image(4242);
        Path layout = OciLayoutWriter.write(image, "v1", temp.resolve("layout"));
        Skopeo.require()
                .withHome(temp.resolve("skopeo-home"))
                .run(
                        List.of(
                                "--insecure-policy",
                                "copy",
                                "--preserve-digests",
                                "--dest-tls-verify=false",
                                "oci:" + layout + ":v1",
                                "docker://" + primary.hostPort() + "/tls/app:v1"),
                        Skopeo.DEFAULT_TIMEOUT)
                .requireSuccess();

        await("the tag replicated from the TLS primary")
                .atMost(Duration.ofSeconds(90))
                .untilAsserted(() -> assertThat(replica.tagDigest("tls/app", "v1"))
                        .contains(image.manifest().digest()));
        for (var blob : image.blobs()) {
            assertThat(replica.blobs().stat(blob.digest()))
                    .as(blob.digest().toString())
                    .isPresent();
        }
        assertThat(proxy.tunnelsTo(primary.hostPort()))
                .as("connections to the primary through the proxy")
                .isPositive();
        assertThat(proxy.tunnels()).allMatch(primary.hostPort()::equals);
    }
}
