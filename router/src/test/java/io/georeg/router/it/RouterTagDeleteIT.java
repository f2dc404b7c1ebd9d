package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.db.Database;
import io.georeg.replica.Tombstones;
import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.RegistryHttp;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A tag deleted through the router, against a primary that allows tag deletes (distribution 2.8
 * answers them 400, so the primary here is scripted; newer registries answer 202): reads of the
 * tag and the tags list go to the primary until the replica has applied the delete (lacks the tag
 * and holds its tombstone). Real
 * PostgreSQL for the fences, scripted primary and replica.
 */
class RouterTagDeleteIT {
    /** The scripted replica has no cache: a fence clears as soon as it shows the write. */
    private static final java.time.Duration NO_CACHE = java.time.Duration.ZERO;

    private static final String DIGEST = "sha256:" + "5".repeat(64);
    private static final String UNKNOWN =
            "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}";

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    static final RouterFixtures FIXTURES = new RouterFixtures();
    static FakeUpstream primary;
    static FakeUpstream replica;
    static Router router;
    static RegistryHttp client;
    static volatile boolean replicaHasTag = true;

    @BeforeAll
    static void start() throws Exception {
        Database database = FIXTURES.database(DB);
        primary = FIXTURES.add(new FakeUpstream());
        primary.answer((req, resp, cb) -> {
            String path = req.getHttpURI().getPath();
            if ("DELETE".equals(req.getMethod())) {
                resp.setStatus(202);
                resp.write(true, java.nio.ByteBuffer.allocate(0), cb);
            } else if (path.endsWith("/tags/list")) {
                FakeUpstream.text(resp, cb, 200, "{\"name\":\"t/app\",\"tags\":[]}");
            } else {
                FakeUpstream.text(resp, cb, 404, UNKNOWN);
            }
        });
        replica = FIXTURES.add(new FakeUpstream());
        replica.answer((req, resp, cb) -> {
            String path = req.getHttpURI().getPath();
            if (path.endsWith("/tags/list")) {
                FakeUpstream.text(
                        resp,
                        cb,
                        200,
                        replicaHasTag ? "{\"name\":\"t/app\",\"tags\":[\"v1\"]}" : "{\"name\":\"t/app\",\"tags\":[]}");
            } else if (replicaHasTag) {
                resp.getHeaders().put("Docker-Content-Digest", DIGEST);
                FakeUpstream.text(resp, cb, 200, "{\"schemaVersion\":2}");
            } else {
                FakeUpstream.text(resp, cb, 404, UNKNOWN);
            }
        });
        router = FIXTURES.add(LoopbackRouter.start(
                primary.url(),
                new RouterConfig.ReplicaEndpoint.Remote(replica.url(), NO_CACHE),
                LoopbackRouter.withFences(database)));
        client = FIXTURES.add(new RegistryHttp(router.localUrl()));
    }

    @AfterAll
    static void stop() throws Exception {
        FIXTURES.close();
    }

    @Test
    void aTagDeletedThroughTheRouterIsGoneFromTagReadsAndTheTagsListUntilTheReplicaDropsIt() throws Exception {
        assertThat(client.getManifest("t/app", "v1", RegistryHttp.ACCEPT_ALL).source())
                .hasValue("replica");

        assertThat(client.deleteManifest("t/app", "v1").status()).isEqualTo(202);

        RegistryHttp.Answer tag = client.getManifest("t/app", "v1", RegistryHttp.ACCEPT_ALL);
        assertThat(tag.status()).isEqualTo(404);
        assertThat(tag.source()).hasValue("primary-fenced");
        RegistryHttp.Answer tags = client.tagsList("t/app");
        assertThat(tags.source()).hasValue("primary-fenced");
        assertThat(new String(tags.body(), StandardCharsets.UTF_8)).doesNotContain("v1");
        assertThat(fences()).isEqualTo(1);

        // The replica lacks the tag but has not applied the delete (a replica that never had the
        // tag looks the same, and a sync that read the primary before the delete could still store
        // it): the fence stands.
        replicaHasTag = false;
        assertThat(client.getManifest("t/app", "v1", RegistryHttp.ACCEPT_ALL).source())
                .hasValue("primary-fenced");
        assertThat(fences()).isEqualTo(1);

        // The replicator applies the delete (the replica's untag leaves the tag's tombstone): the
        // fence clears on the next read.
        applyTagDelete("t/app", "v1");
        assertThat(client.getManifest("t/app", "v1", RegistryHttp.ACCEPT_ALL).status())
                .isEqualTo(404);
        assertThat(fences()).isZero();
        assertThat(client.tagsList("t/app").source()).hasValue("replica");
    }

    /** What the replicator's untag records in the tracking database with the removal (its tombstone). */
    private static void applyTagDelete(String repository, String tag) throws Exception {
        try (Connection c = DB.connect();
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO replica_tombstones (repository, kind, digest, generation) VALUES ('" + repository
                    + "', '" + Tombstones.TAG + "', '" + tag + "', nextval('replica_delete_generation'))");
        }
    }

    private static int fences() throws Exception {
        try (Connection c = DB.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM router_fences WHERE repository = 't/app'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
