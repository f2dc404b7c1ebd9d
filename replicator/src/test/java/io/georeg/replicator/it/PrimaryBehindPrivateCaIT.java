package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.georeg.egress.PrimaryEgress;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
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
 * through a forward proxy that only tunnels: the replicator copies what the primary's
 * notifications announce only through {@code primary.caBundle} and {@code primary.proxy}, every
 * connection to the primary going through the proxy; without the bundle the primary is refused
 * with an error that names the key.
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

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create();
        caBundle = ca.writeCaBundle(temp.resolve("primary-ca.pem"));
        replica = new ReplicatorUnderTest(DB, temp.resolve("replica"));
        primary = Distribution.start(
                temp.resolve("primary"),
                DistributionConfig.filesystem(temp.resolve("primary").resolve("storage"))
                        .withTls(DistributionConfig.Tls.of(ca, temp.resolve("tls")))
                        .withNotification(DistributionConfig.NotificationEndpoint.bearer(
                                "georeg", replica.intakeUrl(), ReplicatorUnderTest.SECRET)));
        proxy = ConnectProxy.start();
    }

    @AfterAll
    static void stop() throws Exception {
        ReplicatorUnderTest.closeAll(replica, primary, proxy);
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
    void withTheBundleAndTheProxyTheReplicatorCopiesThroughTheProxy() throws Exception {
        replica.build(
                        PrimaryConfig.anonymous(primary.url()),
                        ReplicatorUnderTest.fastRetries(2),
                        SyncConfig.everything(),
                        new PrimaryEgress(caBundle, URI.create(proxy.url())))
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
