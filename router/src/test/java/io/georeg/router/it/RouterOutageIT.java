package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A primary outage with real parts: the primary process is stopped, replicated pulls with skopeo
 * keep working (tags marked possibly stale), pushes fail within 2 s with the OCI 503 that says
 * why, and everything works again once the primary is back.
 */
class RouterOutageIT {
    @TempDir
    static Path tmp;

    static final RouterFixtures FIXTURES = new RouterFixtures();
    static Distribution primary;
    static Distribution replica;
    static Router router;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        primary = FIXTURES.distribution(tmp.resolve("primary"));
        replica = FIXTURES.distribution(tmp.resolve("replica"));
        router = FIXTURES.add(LoopbackRouter.start(
                primary.url(),
                null,
                new RouterConfig.ReplicaEndpoint.Remote(replica.url()),
                config ->
                        config.withTimeouts(LoopbackRouter.quickChecks(Duration.ofMillis(200), Duration.ofMillis(500))),
                LoopbackRouter.WITHOUT_DATABASE));
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    @Test
    void replicatedPullsSurviveAPrimaryOutageWhilePushesFailFastWithAClearError() throws Exception {
        Skopeo skopeo = Skopeo.require().withHome(tmp.resolve("skopeo-home"));
        String host = "127.0.0.1:" + router.port();
        TestImage image = TestImages.image(501);
        Path layout = OciLayoutWriter.write(image, "v1", tmp.resolve("layout"));
        skopeo.run(
                        "--debug",
                        "--insecure-policy",
                        "copy",
                        "--preserve-digests",
                        "--dest-tls-verify=false",
                        "oci:" + layout + ":v1",
                        "docker://" + host + "/outage/app:v1")
                .requireSuccess();
        skopeo.run(
                        "--debug",
                        "--insecure-policy",
                        "copy",
                        "--preserve-digests",
                        "--src-tls-verify=false",
                        "--dest-tls-verify=false",
                        "docker://127.0.0.1:" + primary.port() + "/outage/app:v1",
                        "docker://127.0.0.1:" + replica.port() + "/outage/app:v1")
                .requireSuccess();

        primary.stop();
        await().atMost(Duration.ofSeconds(30)).until(() -> !router.primaryReachable());

        skopeo.run(
                        "--debug",
                        "--insecure-policy",
                        "copy",
                        "--preserve-digests",
                        "--src-tls-verify=false",
                        "docker://" + host + "/outage/app:v1",
                        "oci:" + tmp.resolve("pulled") + ":v1")
                .requireSuccess();
        HttpResponse<String> manifest = HTTP.send(
                HttpRequest.newBuilder(router.localUrl().resolve("/v2/outage/app/manifests/v1"))
                        .header("Accept", image.manifest().mediaType())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(manifest.statusCode()).isEqualTo(200);
        assertThat(manifest.headers().firstValue("X-Georeg-Possibly-Stale")).hasValue("true");
        Skopeo.Result push = skopeo.run(
                "--debug",
                "--insecure-policy",
                "copy",
                "--preserve-digests",
                "--retry-times",
                "0",
                "--dest-tls-verify=false",
                "oci:" + layout + ":v1",
                "docker://" + host + "/outage/app:v2");
        assertThat(push.exitCode()).isNotZero();
        assertThat(push.output()).contains("503 Service Unavailable");
        HttpResponse<String> upload = HTTP.send(
                HttpRequest.newBuilder(router.localUrl().resolve("/v2/outage/app/blobs/uploads/"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(upload.statusCode()).isEqualTo(503);
        assertThat(upload.body()).contains("\"code\":\"UNAVAILABLE\"", "the primary site is unreachable");

        primary.restart();
        await().atMost(Duration.ofSeconds(30)).until(router::primaryReachable);
        skopeo.run(
                        "--debug",
                        "--insecure-policy",
                        "copy",
                        "--preserve-digests",
                        "--dest-tls-verify=false",
                        "oci:" + layout + ":v1",
                        "docker://" + host + "/outage/app:v2")
                .requireSuccess();
    }
}
