package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.router.RouterMetrics;
import io.georeg.router.route.Destination;
import io.georeg.router.route.Route;
import io.georeg.router.route.RouteId;
import io.georeg.router.route.RouteTable;
import io.georeg.testkit.metrics.MetricsScrape;
import io.georeg.testkit.tools.RefusingPort;
import io.georeg.testkit.tools.SlowClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamRequestContent;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy legs against scripted upstreams: header handling both ways, streaming of bodies
 * larger than anything the router could buffer, fallback decisions, redirects to storage,
 * limits, and failing fast when the primary is down.
 */
class RouterProxyIT {
    private static final String SHA = "sha256:" + "b".repeat(64);

    private final RouterFixtures fixtures = new RouterFixtures();
    private FakeUpstream primary;
    private FakeUpstream replica;
    private FakeUpstream auth;
    private Router router;
    private HttpClient client;

    @BeforeEach
    void start() throws Exception {
        primary = fixtures.fakeUpstream();
        replica = fixtures.fakeUpstream();
        auth = fixtures.fakeUpstream();
        client = new HttpClient();
        client.setFollowRedirects(false);
        fixtures.started(client);
    }

    @AfterEach
    void stop() throws Exception {
        fixtures.close();
    }

    private Router router(RouterConfig.Limits limits, URI primaryUrl) throws Exception {
        return router(limits, primaryUrl, auth.url().resolve("/jwt/auth"));
    }

    private Router router(RouterConfig.Limits limits, URI primaryUrl, URI authUrl) throws Exception {
        return router(
                limits,
                primaryUrl,
                authUrl,
                new RouterConfig.Timeouts(
                        Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofMillis(500)));
    }

    private Router router(RouterConfig.Limits limits, URI primaryUrl, URI authUrl, RouterConfig.Timeouts timeouts)
            throws Exception {
        RouterConfig config = RouterConfig.of(
                        URI.create("https://registry.example.com"),
                        0,
                        primaryUrl,
                        authUrl,
                        new RouterConfig.ReplicaEndpoint.Remote(replica.url()))
                .withLimits(limits)
                .withTimeouts(timeouts);
        router = fixtures.add(new Router(config, null, new PrometheusRegistry()).start());
        return router;
    }

    private Router router() throws Exception {
        return router(RouterConfig.Limits.defaults(), primary.url());
    }

    private String url(String path) {
        return router.localUrl() + path;
    }

    @Test
    void endToEndHeadersPassHopByHopHeadersStopAndForwardedHeadersAreSet() throws Exception {
        router();
        primary.answer((req, resp, cb) -> {
            resp.setStatus(202);
            resp.getHeaders().put("Docker-Upload-UUID", "u-1");
            resp.getHeaders().put("Range", "0-99");
            resp.getHeaders().put("OCI-Chunk-Min-Length", "5242880");
            resp.getHeaders().put("Connection", "X-Upstream-Private");
            resp.getHeaders().put("X-Upstream-Private", "secret");
            resp.getHeaders().put("Location", primary.url() + "/v2/a/blobs/uploads/u-1?_state=s");
            resp.write(true, ByteBuffer.allocate(0), cb);
        });
        ContentResponse response = client.newRequest(url("/v2/a/blobs/uploads/u-1?_state=s"))
                .method(HttpMethod.PATCH)
                .headers(h -> h.put("Authorization", "Bearer t0k3n")
                        .put("Content-Range", "0-99")
                        .put("Connection", "X-Client-Private")
                        .put("X-Client-Private", "p")
                        .put("Proxy-Authorization", "Basic eA==")
                        .put("X-Forwarded-For", "10.0.0.9")
                        .put("X-Forwarded-Host", "evil.example"))
                .body(new BytesRequestContent(new byte[100]))
                .send();

        assertThat(response.getStatus()).isEqualTo(202);
        FakeUpstream.Seen seen = primary.last();
        assertThat(seen.pathQuery()).isEqualTo("/v2/a/blobs/uploads/u-1?_state=s");
        assertThat(seen.headers().get("Authorization")).isEqualTo("Bearer t0k3n");
        assertThat(seen.headers().get("Content-Range")).isEqualTo("0-99");
        assertThat(seen.bodyLength()).isEqualTo(100);
        assertThat(seen.headers().contains("X-Client-Private")).isFalse();
        assertThat(seen.headers().contains("Proxy-Authorization")).isFalse();
        assertThat(seen.headers().get("X-Forwarded-For")).isEqualTo("10.0.0.9, 127.0.0.1");
        assertThat(seen.headers().get("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(seen.headers().get("X-Forwarded-Host")).isEqualTo("registry.example.com");
        assertThat(seen.headers().get("X-Request-Id"))
                .isEqualTo(response.getHeaders().get("X-Request-Id"));

        assertThat(response.getHeaders().get("Docker-Upload-UUID")).isEqualTo("u-1");
        assertThat(response.getHeaders().get("Range")).isEqualTo("0-99");
        assertThat(response.getHeaders().get("OCI-Chunk-Min-Length")).isEqualTo("5242880");
        assertThat(response.getHeaders().contains("X-Upstream-Private")).isFalse();
        assertThat(response.getHeaders().get("Location"))
                .isEqualTo("https://registry.example.com/v2/a/blobs/uploads/u-1?_state=s");
    }

    @Test
    void tokenRequestsGoToTheAuthEndpointAndChallengesNameThePublicRealm() throws Exception {
        router();
        String realm = auth.url() + "/jwt/auth";
        replica.answer((req, resp, cb) -> {
            resp.getHeaders().put("WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"registry\"");
            FakeUpstream.text(resp, cb, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}");
        });
        auth.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 200, "{\"token\":\"abc\"}"));

        ContentResponse challenge = client.GET(url("/v2/"));
        assertThat(challenge.getStatus()).isEqualTo(401);
        assertThat(challenge.getHeaders().get("WWW-Authenticate"))
                .isEqualTo("Bearer realm=\"https://registry.example.com/jwt/auth\",service=\"registry\"");

        ContentResponse token = client.newRequest(url("/jwt/auth?service=registry&scope=repository:a:pull"))
                .headers(h -> h.put("Authorization", "Basic YTpi"))
                .send();
        assertThat(token.getContentAsString()).isEqualTo("{\"token\":\"abc\"}");
        assertThat(auth.last().pathQuery()).isEqualTo("/jwt/auth?service=registry&scope=repository:a:pull");
        assertThat(auth.last().headers().get("Authorization")).isEqualTo("Basic YTpi");
        assertThat(primary.seen()).isEmpty();
    }

    /**
     * A token service answers wrong credentials with a bare 401 (no challenge). Jetty's client
     * re-adds its authentication handler when it starts, which failed such an exchange ("401
     * without WWW-Authenticate") and the client got 503; the status must pass through, as every
     * other upstream status does.
     */
    @Test
    void bareUnauthorizedFromTheTokenServiceReachesTheClientAs401() throws Exception {
        router();
        auth.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 401, "{\"details\":\"wrong credentials\"}"));
        primary.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 401, ""));

        // The JDK's client: it hands a bare 401 to the caller (the test's Jetty client would act on it itself).
        try (java.net.http.HttpClient jdk = java.net.http.HttpClient.newHttpClient()) {
            HttpResponse<String> token = jdk.send(
                    HttpRequest.newBuilder(URI.create(url("/jwt/auth?service=registry&scope=repository:a:pull")))
                            .header("Authorization", "Basic d3Jvbmc6d3Jvbmc=")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> write = jdk.send(
                    HttpRequest.newBuilder(URI.create(url("/v2/a/blobs/uploads/")))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(token.statusCode()).isEqualTo(401);
            assertThat(token.body()).isEqualTo("{\"details\":\"wrong credentials\"}");
            assertThat(write.statusCode()).as("a bare 401 of the primary too").isEqualTo(401);
        }
        assertThat(auth.seen()).hasSize(1);
    }

    @Test
    void replicaMissFallsBackToThePrimaryWithTheClientsCredentialsAndPassesStorageRedirectsOn() throws Exception {
        router();
        replica.answer((req, resp, cb) -> FakeUpstream.text(
                resp, cb, 404, "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown\"}]}"));
        String presigned = "https://bucket.storage.example.net/blobs/x?X-Amz-Signature=abc";
        primary.answer((req, resp, cb) -> {
            resp.setStatus(307);
            resp.getHeaders().put("Location", presigned);
            resp.write(true, ByteBuffer.allocate(0), cb);
        });

        ContentResponse response = client.newRequest(url("/v2/a/b/blobs/" + SHA))
                .headers(h -> h.put("Authorization", "Bearer client-token"))
                .send();

        assertThat(response.getStatus()).isEqualTo(307);
        assertThat(response.getHeaders().get("Location")).isEqualTo(presigned);
        assertThat(response.getHeaders().get("X-Georeg-Source")).isEqualTo("primary-fallback");
        assertThat(primary.last().headers().get("Authorization")).isEqualTo("Bearer client-token");
        assertThat(primary.last().pathQuery()).isEqualTo("/v2/a/b/blobs/" + SHA);
    }

    @Test
    void readsServedByTheFallbackAreReportedForReplication() throws Exception {
        java.util.List<io.georeg.router.fallback.ReplicaMissListener.Miss> misses =
                new java.util.concurrent.CopyOnWriteArrayList<>();
        RouterConfig config = RouterConfig.of(
                URI.create("https://registry.example.com"),
                0,
                primary.url(),
                null,
                new RouterConfig.ReplicaEndpoint.Remote(replica.url()));
        router = fixtures.add(
                new Router(config, null, new PrometheusRegistry(), Router.Wiring.NONE.withMissListener(misses::add))
                        .start());
        replica.answer(
                (req, resp, cb) -> FakeUpstream.text(resp, cb, 404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}"));
        primary.answer((req, resp, cb) -> {
            resp.getHeaders().put("Docker-Content-Digest", SHA);
            FakeUpstream.text(resp, cb, 200, "{\"schemaVersion\":2}");
        });

        assertThat(client.GET(url("/v2/team/app/manifests/v3")).getStatus()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(30)).until(() -> !misses.isEmpty());
        assertThat(misses)
                .containsExactly(new io.georeg.router.fallback.ReplicaMissListener.Miss(
                        io.georeg.router.route.RouteId.MANIFEST_READ, "team/app", "v3", SHA, 19));
    }

    @Test
    void replicaAnswersOtherThanUnknownAreNotFallenBackFrom() throws Exception {
        router();
        replica.answer(
                (req, resp, cb) -> FakeUpstream.text(resp, cb, 404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}"));
        assertThat(client.GET(url("/v2/a/manifests/v1")).getHeaders().get("X-Georeg-Source"))
                .isEqualTo("primary-fallback");

        replica.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 403, "{\"errors\":[{\"code\":\"DENIED\"}]}"));
        int before = primary.seen().size();
        ContentResponse denied = client.GET(url("/v2/a/manifests/v1"));
        assertThat(denied.getStatus()).isEqualTo(403);
        assertThat(denied.getHeaders().get("X-Georeg-Source")).isEqualTo("replica");
        assertThat(primary.seen()).hasSize(before);
    }

    @Test
    void largeUploadAndDownloadStreamThroughUnchanged() throws Exception {
        router();
        long size = 64L * 1024 * 1024;
        primary.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 202, "{}"));
        ContentResponse upload = client.newRequest(url("/v2/a/blobs/uploads/u-2"))
                .method(HttpMethod.PATCH)
                .body(new InputStreamRequestContent(
                        "application/octet-stream", new SeededInputStream(11, size), 64 * 1024))
                .timeout(120, TimeUnit.SECONDS)
                .send();
        assertThat(upload.getStatus()).isEqualTo(202);
        assertThat(primary.last().bodyLength()).isEqualTo(size);
        assertThat(primary.last().bodySha256()).isEqualTo(SeededInputStream.sha256(11, size));

        replica.answer((req, resp, cb) -> {
            resp.setStatus(200);
            resp.getHeaders().put("Content-Length", size);
            try (InputStream in = new SeededInputStream(12, size)) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer, 0, buffer.length)) > 0; ) {
                    org.eclipse.jetty.util.Blocker.Callback blocker = org.eclipse.jetty.util.Blocker.callback();
                    resp.write(false, ByteBuffer.wrap(buffer, 0, n), blocker);
                    blocker.block();
                    blocker.close();
                }
            }
            resp.write(true, ByteBuffer.allocate(0), cb);
        });
        InputStreamResponseListener listener = new InputStreamResponseListener();
        client.newRequest(url("/v2/a/blobs/" + SHA)).send(listener);
        Response response = listener.get(30, TimeUnit.SECONDS);
        assertThat(response.getStatus()).isEqualTo(200);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long read = 0;
        try (InputStream in = listener.getInputStream()) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
                read += n;
            }
        }
        assertThat(read).isEqualTo(size);
        assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(SeededInputStream.sha256(12, size));
    }

    /** What came back for a request whose body the router may refuse before reading it. */
    private record Refusal(int status, String content, Throwable requestFailure, Throwable responseFailure) {
        boolean answered() {
            return responseFailure == null;
        }
    }

    /**
     * Sends {@code request} and returns the response even when sending its body failed: the router
     * answers a body it refuses without reading it, then closes the connection, so the client's
     * upload can be cut short (a broken pipe or reset) before or after it read the answer.
     */
    private static Refusal sendRefusable(org.eclipse.jetty.client.Request request) throws Exception {
        CompletableFuture<Refusal> outcome = new CompletableFuture<>();
        request.send(new BufferingResponseListener() {
            @Override
            public void onComplete(Result result) {
                outcome.complete(new Refusal(
                        result.getResponse().getStatus(),
                        getContentAsString(),
                        result.getRequestFailure(),
                        result.getResponseFailure()));
            }
        });
        return outcome.get(30, TimeUnit.SECONDS);
    }

    @Test
    void bodiesOverTheLimitAreRefusedWithSizeInvalid() throws Exception {
        router(new RouterConfig.Limits(1024 * 1024, 64 * 1024), primary.url());
        // A body larger than the loopback socket buffers: the client cannot have written it all
        // before the router answers, whatever the scheduling.
        byte[] overTheLimit = new byte[32 * 1024 * 1024];

        // A client that waits for 100 Continue before it sends (Expect: 100-continue) always reads
        // the refusal: the router answers a declared length over the limit without reading a byte.
        Refusal awaited = sendRefusable(client.newRequest(url("/v2/a/blobs/uploads/u-3"))
                .method(HttpMethod.PATCH)
                .headers(h -> h.put(HttpHeader.EXPECT, HttpHeaderValue.CONTINUE.asString()))
                .body(new BytesRequestContent(overTheLimit)));
        assertThat(awaited.answered())
                .as("response read without failure: %s", awaited.responseFailure())
                .isTrue();
        assertThat(awaited.status()).isEqualTo(400);
        assertThat(awaited.content()).contains("SIZE_INVALID");
        assertThat(primary.seen()).isEmpty();

        // A client that sends at once, with the same declared length, is still sending when the
        // router answers and closes the connection: it reads the refusal, or its upload is cut
        // short (broken pipe, reset) first. Both are acceptable; the primary never sees the request.
        Refusal declared = sendRefusable(client.newRequest(url("/v2/a/blobs/uploads/u-3"))
                .method(HttpMethod.PATCH)
                .body(new BytesRequestContent(overTheLimit)));
        if (declared.answered()) {
            assertThat(declared.status()).isEqualTo(400);
            assertThat(declared.content()).contains("SIZE_INVALID");
        } else {
            assertThat(declared.responseFailure()).isInstanceOf(java.io.IOException.class);
        }
        assertThat(primary.seen()).isEmpty();

        // Without a declared length the limit is found mid-stream: the router answers 400 while
        // the client may still be sending, so the client sees either that answer or the
        // connection closing under its upload. Either way the primary never gets the body whole.
        Refusal chunked = sendRefusable(client.newRequest(url("/v2/a/blobs/uploads/u-3"))
                .method(HttpMethod.PATCH)
                .body(new InputStreamRequestContent(
                        "application/octet-stream", new SeededInputStream(3, 2 * 1024 * 1024), 16 * 1024)));
        if (chunked.answered()) {
            assertThat(chunked.status()).isEqualTo(400);
            assertThat(chunked.content()).contains("SIZE_INVALID");
        } else {
            assertThat(chunked.responseFailure()).isInstanceOf(java.io.IOException.class);
        }
        assertThat(primary.seen())
                .allSatisfy(seen -> assertThat(seen.bodyLength()).isLessThanOrEqualTo(1024 * 1024));
    }

    @Test
    void whenThePrimaryIsDownWritesFailFastTokenRequestsStillReachTheTokenServiceAndReplicatedReadsAreMarked()
            throws Exception {
        RefusingPort dead = fixtures.add(RefusingPort.open());
        router(RouterConfig.Limits.defaults(), dead.url());
        replica.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 200, "{\"schemaVersion\":2}"));
        ContentResponse push = client.newRequest(url("/v2/a/manifests/v2"))
                .method(HttpMethod.PUT)
                .body(new BytesRequestContent("application/vnd.oci.image.manifest.v1+json", "{}".getBytes()))
                .send();
        assertThat(push.getStatus()).isEqualTo(503);
        assertThat(push.getContentAsString())
                .contains("\"code\":\"UNAVAILABLE\"")
                .contains("primary");

        await().atMost(Duration.ofSeconds(30)).until(() -> !router.primaryReachable());
        auth.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 200, "{\"token\":\"abc\"}"));
        ContentResponse upload = client.POST(url("/v2/a/blobs/uploads/")).send();
        ContentResponse token = client.GET(url("/jwt/auth?service=registry"));
        // Fast by construction, not by a stopwatch: only the open circuit answers with this text,
        // before any attempt to reach the primary.
        assertThat(upload.getStatus()).isEqualTo(503);
        assertThat(upload.getContentAsString()).contains("\"code\":\"UNAVAILABLE\"", "the primary site is unreachable");
        // The token service is not the registry (GitLab serves /jwt/auth from Rails): it still answers.
        assertThat(token.getStatus()).isEqualTo(200);
        assertThat(token.getHeaders().get("X-Georeg-Source")).isEqualTo("auth");

        ContentResponse read = client.GET(url("/v2/a/manifests/v1"));
        assertThat(read.getStatus()).isEqualTo(200);
        assertThat(read.getHeaders().get("X-Georeg-Source")).isEqualTo("replica");
        assertThat(read.getHeaders().get("X-Georeg-Possibly-Stale")).isEqualTo("true");
        ContentResponse byDigest = client.GET(url("/v2/a/manifests/" + SHA));
        assertThat(byDigest.getHeaders().contains("X-Georeg-Possibly-Stale")).isFalse();

        ContentResponse ready = client.GET(url("/-/ready"));
        assertThat(ready.getStatus()).isEqualTo(200);
        assertThat(ready.getContentAsString()).contains("\"primary\":\"unreachable\"");
        assertThat(client.GET(router.operatorUrl() + "/metrics").getContentAsString())
                .contains("georeg_router_circuit_open{upstream=\"primary\"} 1");
    }

    /**
     * Clients that fall silent in the middle of an upload are cut off by the idle timeout (the
     * listener's, or the proxy→server leg's, which has nothing to send meanwhile: both wait for the
     * client), and that is their failure, never the primary's: as many of them as it takes to open
     * the primary's circuit (3 consecutive failures) leave it closed, the primary's error count
     * untouched, and the next upload reaches the primary. The primary is probed once an hour here,
     * so no probe's success could hide a failure counted against it.
     */
    @Test
    void clientsFallingSilentMidUploadNeverOpenThePrimarysCircuit() throws Exception {
        router(
                RouterConfig.Limits.defaults(),
                primary.url(),
                auth.url().resolve("/jwt/auth"),
                new RouterConfig.Timeouts(
                        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofHours(1), Duration.ofMillis(500)));
        List<SlowClient> silent = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                silent.add(
                        SlowClient.stallBody(router.localUrl(), "PATCH", "/v2/a/blobs/uploads/u-" + i, 1 << 20, 1024));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> silent.stream().allMatch(SlowClient::cutOff));
            // Answered after the exchange was judged: the client's fault, in the OCI form.
            assertThat(silent)
                    .allSatisfy(c -> assertThat(c.answer())
                            .startsWith("HTTP/1.1 400")
                            .contains("BLOB_UPLOAD_INVALID", "the request body stopped arriving"));
        } finally {
            for (SlowClient c : silent) {
                c.close();
            }
        }

        assertThat(router.primaryReachable()).as("the primary's circuit").isTrue();
        String metrics = client.GET(router.operatorUrl() + "/metrics").getContentAsString();
        assertThat(metrics).contains("georeg_router_circuit_open{upstream=\"primary\"} 0");
        assertThat(MetricsScrape.samples(metrics, "georeg_router_upstream_errors_total").entrySet().stream()
                        .filter(e -> e.getKey().get("upstream").equals("primary"))
                        .map(Map.Entry::getValue))
                .as("the primary's upstream errors")
                .containsOnly(0.0);
        ContentResponse upload = client.newRequest(url("/v2/a/blobs/uploads/u-after"))
                .method(HttpMethod.PATCH)
                .body(new BytesRequestContent(new byte[1024]))
                .send();
        assertThat(upload.getStatus()).as(upload.getContentAsString()).isEqualTo(200);
        assertThat(primary.last().pathQuery()).isEqualTo("/v2/a/blobs/uploads/u-after");
    }

    /**
     * Rates and increases see no increase in a series' first sample: the series the alerts and the
     * dashboard read must be there at 0 before anything happened, or the first fallback or upstream
     * error after every restart is invisible (GeoregFallbackRatioHigh, the upstream errors panel).
     */
    @Test
    void aFreshRouterExportsItsRoutesFallbacksAndUpstreamsAtZero() throws Exception {
        router();
        String page = client.GET(router.operatorUrl() + "/metrics").getContentAsString();

        for (String upstream : List.of("primary", "auth", "replica")) {
            for (String phase : List.of("request", "response")) {
                assertThat(MetricsScrape.value(
                                page, "georeg_router_upstream_errors_total", "phase", phase, "upstream", upstream))
                        .as("upstream errors of %s, %s", upstream, phase)
                        .contains(0.0);
            }
            assertThat(MetricsScrape.value(page, "georeg_router_upstream_latency_seconds_count", "upstream", upstream))
                    .as("upstream latency of %s", upstream)
                    .contains(0.0);
        }
        List<Route> reads = RouteTable.oci("/jwt/auth").routes().stream()
                .filter(r -> r.destination() == Destination.REPLICA)
                .toList();
        assertThat(reads).extracting(Route::id).contains(RouteId.MANIFEST_READ, RouteId.BLOB_READ);
        for (Route read : reads) {
            for (RouterMetrics.FallbackOutcome outcome : RouterMetrics.FallbackOutcome.values()) {
                assertThat(MetricsScrape.value(
                                page,
                                "georeg_router_fallbacks_total",
                                "outcome",
                                outcome.label(),
                                "route",
                                read.id().label()))
                        .as("fallbacks of %s, %s", read.id(), outcome)
                        .contains(0.0);
            }
        }
        for (Route row : RouteTable.oci("/jwt/auth").allRows()) {
            assertThat(MetricsScrape.value(
                            page,
                            "georeg_router_requests_total",
                            "destination",
                            row.destination().label(),
                            "route",
                            row.id().label()))
                    .as("requests of %s", row.id())
                    .contains(0.0);
        }
    }

    @Test
    void whenTheTokenServiceIsDownTokenRequestsFailFastWhileTheRegistryStillTakesWrites() throws Exception {
        RefusingPort deadTokenService = fixtures.add(RefusingPort.open());
        router(
                RouterConfig.Limits.defaults(),
                primary.url(),
                deadTokenService.url().resolve("/jwt/auth"));
        primary.answer((req, resp, cb) -> FakeUpstream.text(resp, cb, 202, ""));

        await().atMost(Duration.ofSeconds(30))
                .until(() -> client.GET(router.operatorUrl() + "/metrics")
                        .getContentAsString()
                        .contains("georeg_router_circuit_open{upstream=\"auth\"} 1"));
        ContentResponse token = client.GET(url("/jwt/auth?service=registry"));
        ContentResponse upload = client.POST(url("/v2/a/blobs/uploads/")).send();
        assertThat(token.getStatus()).isEqualTo(503);
        assertThat(token.getContentAsString()).contains("\"code\":\"UNAVAILABLE\"");
        assertThat(upload.getStatus()).isEqualTo(202);
        assertThat(router.primaryReachable()).isTrue();
        assertThat(client.GET(router.operatorUrl() + "/metrics").getContentAsString())
                .contains("georeg_router_circuit_open{upstream=\"primary\"} 0");
    }

    @Test
    void replicaHostedInProcessIsReachedThroughTheSameProxyPath() throws Exception {
        Handler inProcess = new Handler.Abstract() {
            @Override
            public boolean handle(
                    org.eclipse.jetty.server.Request request,
                    org.eclipse.jetty.server.Response response,
                    Callback callback) {
                FakeUpstream.text(response, callback, 200, "{\"in\":\"process\"}");
                return true;
            }
        };
        RouterConfig config = RouterConfig.of(
                URI.create("https://registry.example.com"),
                0,
                primary.url(),
                null,
                new RouterConfig.ReplicaEndpoint.InProcess(inProcess));
        router = fixtures.add(new Router(config, null, new PrometheusRegistry()).start());
        ContentResponse response = client.GET(url("/v2/a/tags/list"));
        assertThat(response.getContentAsString()).isEqualTo("{\"in\":\"process\"}");
        assertThat(response.getHeaders().get("X-Georeg-Source")).isEqualTo("replica");
    }
    /**
     * Proxied reads a client sends at once on one connection each get their own answer, in order:
     * replica answers, a miss answered by the primary, a body of several hundred KiB. The router
     * resumes the connection on the upstream client's thread that completed an answer (InlineResume),
     * where the next request is routed inside that answer's completion.
     */
    @Test
    void pipelinedProxiedReadsOnOneConnectionEachGetTheirOwnAnswer() throws Exception {
        router();
        String miss = "sha256:" + "c".repeat(64);
        String large = "sha256:" + "d".repeat(64);
        byte[] largeBody = new byte[384 * 1024];
        new java.util.Random(7).nextBytes(largeBody);
        replica.answer((req, resp, cb) -> {
            String path = req.getHttpURI().getPath();
            if (path.endsWith(miss)) {
                FakeUpstream.text(
                        resp, cb, 404, "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown\"}]}");
            } else if (path.endsWith(large)) {
                resp.setStatus(200);
                resp.write(true, ByteBuffer.wrap(largeBody), cb);
            } else {
                FakeUpstream.text(resp, cb, 200, "replica " + path);
            }
        });
        primary.answer((req, resp, cb) ->
                FakeUpstream.text(resp, cb, 200, "primary " + req.getHttpURI().getPath()));
        List<String> paths = List.of(
                "/v2/a/b/manifests/v1",
                "/v2/a/b/blobs/" + SHA,
                "/v2/a/b/blobs/" + miss,
                "/v2/a/b/blobs/" + large,
                "/v2/a/b/tags/list",
                "/v2/a/b/manifests/v1",
                "/v2/a/b/blobs/" + SHA);

        List<Pipelined.Answer> answers = Pipelined.send(
                router.port(), paths.stream().map(p -> Pipelined.get(p)).toList());

        for (int i = 0; i < paths.size(); i++) {
            String path = paths.get(i);
            Pipelined.Answer answer = answers.get(i);
            assertThat(answer.status()).as("answer %d", i).isEqualTo(200);
            if (path.endsWith(large)) {
                assertThat(answer.body()).as("answer %d", i).isEqualTo(largeBody);
            } else {
                assertThat(new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8))
                        .as("answer %d", i)
                        .isEqualTo((path.endsWith(miss) ? "primary " : "replica ") + path);
            }
        }
    }
}
