package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.db.Database;
import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-your-writes across router instances: a manifest pushed through one router is what a pull
 * of its tag through another returns, even while the replica still has the older one; once the
 * replica has caught up the fence is gone and the replica answers. Real PostgreSQL (fences in
 * {@code router_fences}), a real primary and a stand-in replica (distribution 2.8), skopeo.
 */
class RouterReadYourWritesIT {
    /** The stand-in replica (distribution) has no cache: a fence clears as soon as it shows the write. */
    private static final java.time.Duration NO_CACHE = java.time.Duration.ZERO;

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path tmp;

    static final RouterFixtures FIXTURES = new RouterFixtures();
    static Database database;
    static Distribution primary;
    static Distribution replica;
    static Router pushRouter;
    static Router pullRouter;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        database = FIXTURES.database(DB);
        primary = FIXTURES.distribution(tmp.resolve("primary"));
        replica = FIXTURES.distribution(tmp.resolve("replica"));
        pushRouter = startRouter();
        pullRouter = startRouter();
    }

    private static Router startRouter() throws Exception {
        return FIXTURES.add(LoopbackRouter.start(
                primary.url(),
                new RouterConfig.ReplicaEndpoint.Remote(replica.url(), NO_CACHE),
                LoopbackRouter.withFences(database)));
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    @Test
    void pullOfAJustPushedTagNeverReturnsTheOlderDigestAndTheReplicaTakesOverOnceCaughtUp() throws Exception {
        Skopeo skopeo = Skopeo.require().withHome(tmp.resolve("skopeo-home"));
        TestImage v1 = TestImages.image(401);
        TestImage v2 = TestImages.image(402);
        String tag = "docker://127.0.0.1:" + pushRouter.port() + "/ryw/app:latest";

        // v1 pushed through the router and replicated.
        push(skopeo, v1, tag);
        replicate(skopeo, "ryw/app:latest");
        assertThat(get(pullRouter, "/v2/ryw/app/manifests/latest", v1))
                .satisfies(r ->
                        assertThat(r.headers().firstValue("X-Georeg-Source")).hasValue("replica"))
                .satisfies(r -> assertThat(r.headers().firstValue("Docker-Content-Digest"))
                        .hasValue(v1.manifest().digest().toString()));
        assertThat(fences("ryw/app")).isZero();

        // v2 pushed over the same tag; the replica still has v1.
        push(skopeo, v2, tag);
        assertThat(fences("ryw/app")).isEqualTo(1);
        HttpResponse<byte[]> fenced = get(pullRouter, "/v2/ryw/app/manifests/latest", v2);
        assertThat(fenced.headers().firstValue("Docker-Content-Digest"))
                .hasValue(v2.manifest().digest().toString());
        assertThat(fenced.headers().firstValue("X-Georeg-Source")).hasValue("primary-fenced");
        assertThat(fenced.body()).isEqualTo(v2.manifest().content());
        assertThat(get(pullRouter, "/v2/ryw/app/manifests/" + v2.manifest().digest(), v2)
                        .headers()
                        .firstValue("X-Georeg-Source"))
                .hasValue("primary-fenced");
        // A whole pull through the other router gets v2 too.
        Path pulled = tmp.resolve("pulled-v2");
        skopeo.run(
                        "--debug",
                        "--insecure-policy",
                        "copy",
                        "--preserve-digests",
                        "--src-tls-verify=false",
                        "docker://127.0.0.1:" + pullRouter.port() + "/ryw/app:latest",
                        "oci:" + pulled + ":latest")
                .requireSuccess();
        assertThat(java.nio.file.Files.exists(
                        pulled.resolve("blobs/sha256/" + v2.manifest().digest().hex())))
                .isTrue();

        // Replication catches up: the fence clears and the replica answers again.
        replicate(skopeo, "ryw/app:latest");
        HttpResponse<byte[]> caughtUp = get(pullRouter, "/v2/ryw/app/manifests/latest", v2);
        assertThat(caughtUp.headers().firstValue("Docker-Content-Digest"))
                .hasValue(v2.manifest().digest().toString());
        assertThat(caughtUp.headers().firstValue("X-Georeg-Source")).hasValue("replica");
        assertThat(fences("ryw/app")).isZero();
    }

    private void push(Skopeo skopeo, TestImage image, String dest) {
        Path layout = OciLayoutWriter.write(
                image,
                "latest",
                tmp.resolve("layout-" + image.manifest().digest().hex()));
        skopeo.run(
                        "--debug",
                        "--insecure-policy",
                        "copy",
                        "--preserve-digests",
                        "--dest-tls-verify=false",
                        "oci:" + layout + ":latest",
                        dest)
                .requireSuccess();
    }

    /** What the replicator will do; here skopeo copies primary → replica directly. */
    private void replicate(Skopeo skopeo, String reference) {
        skopeo.run(
                        "--debug",
                        "--insecure-policy",
                        "copy",
                        "--preserve-digests",
                        "--src-tls-verify=false",
                        "--dest-tls-verify=false",
                        "docker://127.0.0.1:" + primary.port() + "/" + reference,
                        "docker://127.0.0.1:" + replica.port() + "/" + reference)
                .requireSuccess();
    }

    private static HttpResponse<byte[]> get(Router router, String path, TestImage accept) throws Exception {
        HttpResponse<byte[]> r = HTTP.send(
                HttpRequest.newBuilder(router.localUrl().resolve(path))
                        .header("Accept", accept.manifest().mediaType())
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("GET %s", path).isEqualTo(200);
        return r;
    }

    private static int fences(String repository) throws Exception {
        try (Connection c = DB.connect();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT count(*) FROM router_fences WHERE repository = '" + repository + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
