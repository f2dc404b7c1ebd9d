package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.router.LocalBackends;
import io.georeg.router.Router;
import io.georeg.router.RouterConfig;
import io.georeg.router.fallback.ReplicaMissListener;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * That a started router resumes a client connection on the upstream client's thread that
 * completed a proxied answer (InlineResume), which its public server switches on from a lifecycle
 * listener once the handler tree is known not to block, and only then. Nothing else would notice
 * if a handler made the tree blocking or the listener stopped firing: the router would still
 * answer, only with a pool thread woken per proxied read again. Shown by where the router routes
 * the second of two pipelined reads, the first one's answer held back by the replica until the
 * router's handler has returned from routing it: inline, on the client thread that wrote the
 * first answer ({@code router-client-*}); otherwise on a thread of the server's.
 */
class RouterInlineResumeIT {
    /**
     * Pairs of pipelined reads a test sends at most to see a connection resumed inline: one
     * shows it, unless the router's thread is descheduled between leaving the handler and Jetty
     * marking the request handled, and the held answer completes in that moment (the connection
     * then goes on on that thread). That takes a busy machine and lasts microseconds.
     */
    private static final int ATTEMPTS = 5;

    private final RouterFixtures fixtures = new RouterFixtures();
    private FakeUpstream primary;
    private FakeUpstream replica;
    private Router router;
    /** The thread that routed each path, as the outermost handler saw it. */
    private final Map<String, String> routedOn = new ConcurrentHashMap<>();
    /** Per first read of a pair: counted down once the router's handler returned from routing it. */
    private final Map<String, CountDownLatch> firstRouted = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws Exception {
        primary = fixtures.fakeUpstream();
        replica = fixtures.fakeUpstream();
        replica.answer((request, response, callback) -> {
            String path = request.getHttpURI().getPath();
            // So the answer completes on the client's thread, after the router's thread left the request.
            if (isFirst(path) && !routed(path).await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the router did not return from routing " + path);
            }
            FakeUpstream.text(response, callback, 200, "{\"path\":\"" + path + "\"}");
        });
    }

    @AfterEach
    void stop() throws Exception {
        fixtures.close();
    }

    @Test
    void theNextPipelinedRequestIsRoutedOnTheClientThreadThatCompletedTheProxiedAnswer() throws Exception {
        router = fixtures.add(start(next -> new Recorder(next, null)));

        String routedSecond = null;
        for (int pair = 0; pair < ATTEMPTS && !routedOnAClientThread(routedSecond); pair++) {
            pipelinedReads(pair);
            assertThat(routedOn.get(first(pair))).doesNotStartWith("router-client-");
            routedSecond = routedOn.get(second(pair));
        }

        assertThat(routedSecond)
                .as("resumed inline on the upstream client's thread (in one of %d pairs)", ATTEMPTS)
                .startsWith("router-client-");
    }

    @Test
    void aBlockingHandlerTreeKeepsTheConnectionOnTheServersThreads() throws Exception {
        router = fixtures.add(start(next -> new Recorder(next, InvocationType.BLOCKING)));

        for (int pair = 0; pair < ATTEMPTS; pair++) {
            pipelinedReads(pair);
            assertThat(routedOn.get(second(pair)))
                    .as("handed to the server's pool: the tree may block")
                    .isNotNull()
                    .doesNotStartWith("router-client-");
        }
    }

    private void pipelinedReads(int pair) throws Exception {
        replica.seen().clear();
        List<Pipelined.Answer> answers =
                Pipelined.send(router.port(), List.of(Pipelined.get(first(pair)), Pipelined.get(second(pair))));
        assertThat(answers).extracting(Pipelined.Answer::status).containsExactly(200, 200);
        assertThat(replica.seen()).extracting(FakeUpstream.Seen::pathQuery).containsExactly(first(pair), second(pair));
    }

    private static String first(int pair) {
        return "/v2/team/app/manifests/first-" + pair;
    }

    private static String second(int pair) {
        return "/v2/team/app/manifests/second-" + pair;
    }

    private static boolean isFirst(String path) {
        return path.startsWith("/v2/team/app/manifests/first-");
    }

    private static boolean routedOnAClientThread(String thread) {
        return thread != null && thread.startsWith("router-client-");
    }

    private CountDownLatch routed(String first) {
        return firstRouted.computeIfAbsent(first, p -> new CountDownLatch(1));
    }

    /** A router without a database whose handler tree is wrapped, outermost, by {@code outermost}. */
    private Router start(UnaryOperator<Handler> outermost) throws Exception {
        RouterConfig config = RouterConfig.of(
                URI.create("https://registry.example.com"),
                0,
                primary.url(),
                null,
                new RouterConfig.ReplicaEndpoint.Remote(replica.url()));
        return new Router(
                        config,
                        null,
                        new PrometheusRegistry(),
                        new Router.Wiring(
                                ReplicaMissListener.NONE,
                                null,
                                null,
                                new Router.ProcessHooks(List.of(), outermost),
                                LocalBackends.unwatched(),
                                null))
                .start();
    }

    /**
     * Records the thread that routes each request, and says when routing a pair's first read returned.
     * Declares {@code declared} as its invocation type, or, when null, that of the tree it wraps.
     */
    private final class Recorder extends Handler.Wrapper {
        private final InvocationType declared;

        Recorder(Handler next, InvocationType declared) {
            super(next);
            this.declared = declared;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = request.getHttpURI().getPath();
            routedOn.put(path, Thread.currentThread().getName());
            try {
                return super.handle(request, response, callback);
            } finally {
                if (isFirst(path)) {
                    routed(path).countDown();
                }
            }
        }

        @Override
        public InvocationType getInvocationType() {
            return declared == null ? super.getInvocationType() : declared;
        }
    }
}
