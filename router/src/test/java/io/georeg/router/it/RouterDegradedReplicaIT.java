package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.georeg.router.LocalBackends;
import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router while the secondary's own side fails and the primary is healthy: every read is
 * answered by the primary, whether the replica answers 503 (its database or storage failed), does
 * not start to answer within the budget (a database or storage that hangs; proxied and in process),
 * reports itself unready, or the tracking database is known to be down — and the router stays
 * ready, saying it is degraded. The end-to-end form with skopeo, a cut or stalled PostgreSQL and
 * unreadable storage is the app's {@code DegradedSecondaryIT}.
 */
class RouterDegradedReplicaIT {
    private static final String BLOB = "/v2/app/blobs/sha256:" + "a".repeat(64);
    /**
     * How long a read waits for the replica's first answer. Generous: a replica that answers must
     * answer within it even on a loaded machine (at 300 ms a loaded JVM fell back to the primary
     * in the test that expects the replica's answer), and a stalled one stalls for 90 s anyway.
     */
    private static final Duration BUDGET = Duration.ofSeconds(5);

    /** A referrers list, empty: what a replica or a primary with the API answers. */
    private static final String EMPTY_INDEX =
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}";
    /** What distribution 2.8, which lacks the referrers API, answers its path with (404). */
    private static final String NO_REFERRERS_API = "404 page not found";
    /** What a registry with the referrers API (and registry-read) answers of a repository it does not have. */
    private static final String NAME_UNKNOWN =
            "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known to registry\"}]}";
    /** The replica's 503 when its own backend fails. */
    private static final String BACKEND_FAILED =
            "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"the replica's backend\"}]}";

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    private final RouterFixtures fixtures = new RouterFixtures();
    private FakeUpstream primary;
    private FakeUpstream replica;
    private Router router;
    private final AtomicBoolean databaseUp = new AtomicBoolean(true);
    private final CountDownLatch releaseStalled = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        primary = fixtures.fakeUpstream();
        primary.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 200, "from-primary"));
        replica = fixtures.fakeUpstream();
    }

    /** The stalled answers are released first: their handlers would hold their threads for up to 90 s. */
    @AfterEach
    void stop() throws Exception {
        releaseStalled.countDown();
        fixtures.close();
    }

    @Test
    void aReplicaWhoseBackendFailsWith503IsAnsweredByThePrimary() throws Exception {
        router(new RouterConfig.ReplicaEndpoint.Remote(replica.url()));
        replica.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 503, BACKEND_FAILED));

        HttpResponse<String> get = send("GET", BLOB);
        HttpResponse<String> head = send("HEAD", BLOB);

        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("from-primary");
        assertThat(get.headers().firstValue("X-Georeg-Source")).hasValue("primary-fallback");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("X-Georeg-Source")).hasValue("primary-fallback");
    }

    @Test
    void aProxiedReplicaThatDoesNotAnswerWithinTheBudgetIsAnsweredByThePrimary() throws Exception {
        router(new RouterConfig.ReplicaEndpoint.Remote(replica.url()));
        replica.answer((req, resp, cb) -> {
            releaseStalled.await(90, TimeUnit.SECONDS);
            FakeUpstream.text(resp, cb, 200, "from-replica, too late");
        });

        HttpResponse<String> get = send("GET", "/v2/app/manifests/v1");

        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("from-primary");
        assertThat(get.headers().firstValue("X-Georeg-Source")).hasValue("primary-fallback");
    }

    /**
     * Tried: a referrers list the replica answers after the budget, on a primary without the
     * referrers API (distribution 2.8 answers its path 404, "page not found"). RollingUpgradeIT
     * saw it on a just-started router: the read fell back to the primary, whose 404 tells a client
     * the API is not there at all, although a referrer pushed through the router had been listed.
     * Only the replica can answer this list: it waits for it, however long it takes.
     */
    @Test
    void aReferrersListIsTheReplicasEvenAfterTheBudgetSinceThePrimaryMayLackTheApi() throws Exception {
        String referrers = "/v2/app/referrers/sha256:" + "b".repeat(64);
        primary.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 404, NO_REFERRERS_API));
        router(new RouterConfig.ReplicaEndpoint.Remote(replica.url()));
        replica.answer((req, resp, cb) -> {
            if (Request.getPathInContext(req).startsWith("/v2/app/referrers/")) {
                Thread.sleep(BUDGET.plusSeconds(1).toMillis());
            }
            FakeUpstream.text(resp, cb, 200, EMPTY_INDEX);
        });

        HttpResponse<String> get = send("GET", referrers);

        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(EMPTY_INDEX);
        assertThat(get.headers().firstValue("X-Georeg-Source")).hasValue("replica");
    }

    /**
     * Tried: a referrers list while the replica fails (503), on a primary without the referrers
     * API (404) and on one with it (200). The first must not tell the client there are no
     * referrers: a 503 it retries instead of the primary's 404.
     */
    @Test
    void aReferrersListTheReplicaFailsIsThePrimarysOnlyWhenThePrimaryHasTheApi() throws Exception {
        String referrers = "/v2/app/referrers/sha256:" + "c".repeat(64);
        AtomicBoolean primaryHasTheApi = new AtomicBoolean(false);
        primary.answer((req, resp, cb) -> {
            if (Request.getPathInContext(req).startsWith("/v2/app/referrers/") && !primaryHasTheApi.get()) {
                FakeUpstream.text(resp, cb, 404, NO_REFERRERS_API);
            } else {
                FakeUpstream.text(resp, cb, 200, EMPTY_INDEX);
            }
        });
        router(new RouterConfig.ReplicaEndpoint.Remote(replica.url()));
        replica.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 503, BACKEND_FAILED));

        HttpResponse<String> withoutTheApi = send("GET", referrers);
        primaryHasTheApi.set(true);
        HttpResponse<String> withTheApi = send("GET", referrers);

        assertThat(withoutTheApi.statusCode()).isEqualTo(503);
        assertThat(withoutTheApi.body())
                .contains("\"code\":\"UNAVAILABLE\"")
                .contains("does not implement the referrers API");
        assertThat(withTheApi.statusCode()).isEqualTo(200);
        assertThat(withTheApi.body()).isEqualTo(EMPTY_INDEX);
        assertThat(withTheApi.headers().firstValue("X-Georeg-Source")).hasValue("primary-fallback");
    }

    /**
     * Tried: a referrers list of a repository that exists nowhere, on a primary with the referrers
     * API. The spec lets such a primary answer 404 NAME_UNKNOWN (its "MUST NOT 404" assumes the
     * repository is found); it passed as a 503 "retry shortly" that no retry ever ends. Only a 404
     * that is no registry's error (distribution 2.8's "404 page not found") means a missing API.
     * Then a HEAD of it, whose 404 carries no body to name {@code NAME_UNKNOWN}, while the replica
     * answers that it does not know the repository either (a miss: the read falls back) and while
     * it fails: it passed as that 503, and a client polling HEAD retried for ever. The GET that
     * asks the primary again says the repository is unknown: a 404, without a body.
     */
    @Test
    void aReferrersListOfARepositoryThePrimaryDoesNotKnowIsItsNameUnknownToGetAndHead() throws Exception {
        String referrers = "/v2/nowhere/referrers/sha256:" + "d".repeat(64);
        primary.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 404, NAME_UNKNOWN));
        router(new RouterConfig.ReplicaEndpoint.Remote(replica.url()));
        replica.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 404, NAME_UNKNOWN));

        HttpResponse<String> get = send("GET", referrers);
        HttpResponse<String> headOfAMiss = send("HEAD", referrers);
        replica.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 503, BACKEND_FAILED));
        primary.seen().clear();
        HttpResponse<String> headWhileTheReplicaFails = send("HEAD", referrers, "Bearer client-token");

        assertThat(get.statusCode()).isEqualTo(404);
        assertThat(get.body()).contains("\"code\":\"NAME_UNKNOWN\"");
        assertThat(get.headers().firstValue("X-Georeg-Source")).hasValue("primary-fallback");
        for (HttpResponse<String> head : List.of(headOfAMiss, headWhileTheReplicaFails)) {
            assertThat(head.statusCode()).isEqualTo(404);
            assertThat(head.body()).isEmpty();
            assertThat(head.headers().firstValue("X-Georeg-Source")).hasValue("primary-fallback");
        }
        // The primary was asked the HEAD, then a GET of the same target, both with the client's credentials.
        assertThat(primary.seen())
                .extracting(FakeUpstream.Seen::method, FakeUpstream.Seen::pathQuery)
                .containsExactly(tuple("HEAD", referrers), tuple("GET", referrers));
        assertThat(primary.seen())
                .allSatisfy(
                        seen -> assertThat(seen.headers().get("Authorization")).isEqualTo("Bearer client-token"));
    }

    /**
     * Tried: a HEAD of a referrers list while the replica fails, on a primary whose GET of the list
     * fails (the primary closes the connection instead of answering). What the 404 means stays
     * unknown: the 503 stands.
     */
    @Test
    void aHeadOfAReferrersListStaysA503WhenThePrimaryCannotSayWhyItIs404() throws Exception {
        String referrers = "/v2/app/referrers/sha256:" + "f".repeat(64);
        primary.answer((req, resp, cb) -> {
            if ("HEAD".equals(req.getMethod())) {
                FakeUpstream.text(resp, cb, 404, "");
            } else {
                req.getConnectionMetaData().getConnection().getEndPoint().close();
                cb.failed(new java.io.IOException("the primary closed the connection"));
            }
        });
        router(new RouterConfig.ReplicaEndpoint.Remote(replica.url()));
        replica.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 503, BACKEND_FAILED));

        HttpResponse<String> head = send("HEAD", referrers);

        assertThat(head.statusCode()).isEqualTo(503);
        assertThat(head.body()).isEmpty();
        assertThat(primary.seen()).extracting(FakeUpstream.Seen::method).containsExactly("HEAD", "GET");
    }

    /**
     * Tried: HEAD and GET of a referrers list of a repository the primary has, a real
     * distribution 2.8 (which lacks the referrers API: it answers the path "404 page not found",
     * and a HEAD of it 404 without a body), while the replica fails. Neither may tell the client
     * there are no referrers: both are a 503 it retries.
     */
    @Test
    void aReferrersListOfARepositoryOnAPrimaryWithoutTheApiIsA503ToHeadAndGet() throws Exception {
        Distribution distribution = fixtures.distribution(tmp.resolve("primary"));
        RegistryHttp primaryHttp = fixtures.add(new RegistryHttp(distribution.url()));
        TestImage image = TestImages.image(1801);
        assertThat(primaryHttp.push("app", "v1", image).ok()).isTrue();
        String referrers = "/v2/app/referrers/" + image.manifest().digest();
        router(distribution.url(), new RouterConfig.ReplicaEndpoint.Remote(replica.url()));
        replica.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 503, BACKEND_FAILED));

        HttpResponse<String> head = send("HEAD", referrers);
        HttpResponse<String> get = send("GET", referrers);

        assertThat(head.statusCode()).isEqualTo(503);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("X-Georeg-Source")).hasValue("primary-fallback");
        assertThat(get.statusCode()).isEqualTo(503);
        assertThat(get.body()).contains("\"code\":\"UNAVAILABLE\"").contains("does not implement the referrers API");
    }

    @Test
    void anInProcessReplicaThatDoesNotAnswerWithinTheBudgetIsAnsweredByThePrimary() throws Exception {
        Handler stalled = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                if (!Request.getPathInContext(request).startsWith("/v2/app/")) {
                    FakeUpstream.text(response, callback, 200, "{}");
                    return true;
                }
                releaseStalled.await(90, TimeUnit.SECONDS);
                FakeUpstream.text(response, callback, 200, "from-replica, too late");
                return true;
            }
        };
        router(new RouterConfig.ReplicaEndpoint.InProcess(stalled));

        HttpResponse<String> get = send("GET", "/v2/app/tags/list");

        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("from-primary");
        assertThat(get.headers().firstValue("X-Georeg-Source")).hasValue("primary-fallback");
    }

    @Test
    void whileTheReplicaIsUnreadyReadsGoToThePrimaryAndTheRouterStaysReadyButDegraded() throws Exception {
        router(new RouterConfig.ReplicaEndpoint.Remote(replica.url()));
        replica.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 200, "from-replica"));
        replica.ready(false);
        await().atMost(Duration.ofSeconds(30)).until(() -> !router.replicaReachable());

        HttpResponse<String> get = send("GET", BLOB);
        HttpResponse<String> ready = send("GET", "/-/ready");

        assertThat(get.body()).isEqualTo("from-primary");
        assertThat(replica.seen()).isEmpty();
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body())
                .contains("\"degraded\":true", "\"replica\":\"unreachable\"", "\"reads\":\"reachable\"");

        replica.ready(true);
        await().atMost(Duration.ofSeconds(30)).until(() -> router.replicaReachable());
        assertThat(send("GET", BLOB).body()).isEqualTo("from-replica");
        assertThat(send("GET", "/-/ready").body()).contains("\"degraded\":false");
    }

    @Test
    void whileTheTrackingDatabaseIsDownReadsGoToThePrimaryWithoutAskingTheReplica() throws Exception {
        router(new RouterConfig.ReplicaEndpoint.Remote(replica.url()));
        replica.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 200, "from-replica"));
        databaseUp.set(false);

        HttpResponse<String> get = send("GET", "/v2/app/manifests/v1");

        assertThat(get.body()).isEqualTo("from-primary");
        assertThat(replica.seen()).isEmpty();
    }

    private void router(RouterConfig.ReplicaEndpoint replicaEndpoint) throws Exception {
        router(primary.url(), replicaEndpoint);
    }

    private void router(URI primaryUrl, RouterConfig.ReplicaEndpoint replicaEndpoint) throws Exception {
        router = fixtures.add(LoopbackRouter.start(
                primaryUrl,
                null,
                replicaEndpoint,
                // Probes every 100 ms so that a replica going unready (503) is seen at once; each
                // probe may take 5 s, since three slow probes in a row on a loaded machine would
                // otherwise open a healthy upstream's circuit under the test.
                config ->
                        config.withTimeouts(LoopbackRouter.quickChecks(Duration.ofMillis(100), Duration.ofSeconds(5))),
                config -> new Router(
                                config,
                                null,
                                new PrometheusRegistry(),
                                Router.Wiring.NONE.withBackends(new LocalBackends(databaseUp::get, BUDGET)))
                        .start()));
        await().atMost(Duration.ofSeconds(30)).until(() -> router.primaryReachable() && router.replicaReachable());
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return send(method, path, null);
    }

    /** @param authorization the client's {@code Authorization}, null for none */
    private HttpResponse<String> send(String method, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(router.localUrl().resolve(path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(60));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
