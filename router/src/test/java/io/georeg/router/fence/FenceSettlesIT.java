package io.georeg.router.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.router.proxy.Upstream;
import io.georeg.testkit.db.TestDatabase;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A fence outlives the first replica answer that shows its write by the replicas' staleness: a
 * registry-read answers from its cache until the change's notification reaches it, and the one a
 * router checked may not be the one another router's next read reaches. Two routers' fence
 * checks over one database (real PostgreSQL), a replica that already shows the write (an HTTP
 * stand-in answering the tag's HEAD with the pushed digest).
 */
class FenceSettlesIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration STALENESS = Duration.ofSeconds(5);
    private static final String REPO = "settle/app";
    private static final String DIGEST = "sha256:" + "a".repeat(64);
    private static final String OTHER_DIGEST = "sha256:" + "b".repeat(64);

    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    static Database database;
    static HttpClient http;
    static HttpServer replicaShowingTheWrite;
    static volatile String replicaDigest = DIGEST;
    static final AtomicInteger replicaChecks = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        database = new Database(DatabaseConfig.of(DB.jdbcUrl(), DB.user(), DB.password())
                        .withMigrateOnStart(true))
                .start();
        http = new HttpClient();
        http.start();
        replicaShowingTheWrite = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        replicaShowingTheWrite.createContext("/v2/" + REPO + "/manifests/", exchange -> {
            replicaChecks.incrementAndGet();
            exchange.getResponseHeaders().add("Docker-Content-Digest", replicaDigest);
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        replicaShowingTheWrite.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (replicaShowingTheWrite != null) {
            replicaShowingTheWrite.stop(0);
        }
        http.stop();
        database.close();
    }

    @Test
    void aFenceStandsForTheReplicasStalenessAfterAReplicaFirstShowsItsWriteThenClears() throws Exception {
        ReadYourWrites writer = routerChecks();
        ReadYourWrites other = routerChecks();
        FencedRead tagRead = FencedRead.manifest(REPO, "v1");
        writer.record(REPO, List.of(Fence.Write.tagPushed(REPO, "v1", DIGEST)));

        assertThat(writer.pinned(tagRead, HttpFields.EMPTY))
                .as("the replica shows the tag at the pushed digest for the first time: the fence settles")
                .isTrue();
        assertThat(shownAt()).as("when the replica first showed the write").isEqualTo(1);
        int checksBefore = replicaChecks.get();
        assertThat(other.pinned(tagRead, HttpFields.EMPTY))
                .as("another router's read while the fence settles")
                .isTrue();
        assertThat(replicaChecks.get())
                .as("a read while the fence settles asks no replica: nothing it shows can clear the fence yet")
                .isEqualTo(checksBefore);

        await().atMost(WAIT).until(() -> !other.pinned(tagRead, HttpFields.EMPTY));
        assertThat(fences()).isZero();
        assertThat(writer.pinned(tagRead, HttpFields.EMPTY)).isFalse();
    }

    @Test
    void aNewWriteToTheTargetStartsItsFenceOverWhateverTheReplicaShowedOfTheOldOne() throws Exception {
        ReadYourWrites router = routerChecks();
        FencedRead tagRead = FencedRead.manifest(REPO, "v2");
        replicaDigest = DIGEST;
        router.record(REPO, List.of(Fence.Write.tagPushed(REPO, "v2", DIGEST)));
        assertThat(router.pinned(tagRead, HttpFields.EMPTY)).isTrue();
        assertThat(shownAt()).isEqualTo(1);

        router.record(REPO, List.of(Fence.Write.tagPushed(REPO, "v2", OTHER_DIGEST)));

        assertThat(shownAt()).as("the new write's fence is not shown yet").isZero();
        assertThat(router.pinned(tagRead, HttpFields.EMPTY))
                .as("the replica still shows the old digest")
                .isTrue();
        assertThat(shownAt()).isZero();
        replicaDigest = OTHER_DIGEST;
        await().atMost(WAIT).until(() -> !router.pinned(tagRead, HttpFields.EMPTY));
        replicaDigest = DIGEST;
    }

    /** One router's fence checks: its own store and no in-memory view (every read asks the table). */
    private static ReadYourWrites routerChecks() {
        FenceStore store = new FenceStore(database.transactions(), Duration.ofMinutes(10), STALENESS);
        Upstream replica = new Upstream(
                "replica",
                "a replica showing the write",
                URI.create("http://127.0.0.1:"
                        + replicaShowingTheWrite.getAddress().getPort()));
        return new ReadYourWrites(store, null, null, http, replica, Duration.ofSeconds(5));
    }

    private static long shownAt() {
        return DB.queryLong(
                "SELECT count(*) FROM router_fences WHERE repository = '" + REPO + "' AND shown_at IS NOT NULL");
    }

    private static long fences() {
        return DB.queryLong("SELECT count(*) FROM router_fences WHERE repository = '" + REPO + "'");
    }
}
