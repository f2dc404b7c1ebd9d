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
    private static final String FIRST = "/v2/team/app/manifests/first";
    private static final String SECOND = "/v2/team/app/manifests/second";

    private FakeUpstream primary;
    private FakeUpstream replica;
    private Router router;
    /** The thread that routed each path, as the outermost handler saw it. */
    private final Map<String, String> routedOn = new ConcurrentHashMap<>();
    /** Counted down once the router's handler returned from routing {@link #FIRST}. */
    private final CountDownLatch firstRouted = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        primary = new FakeUpstream();
        replica = new FakeUpstream();
        replica.answer((request, response, callback) -> {
            String path = request.getHttpURI().getPath();
            // So the answer completes on the client's thread, after the router's thread left the request.
            if (path.equals(FIRST) && !firstRouted.await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the router did not return from routing " + FIRST);
            }
            FakeUpstream.text(response, callback, 200, "{\"path\":\"" + path + "\"}");
        });
    }

    @AfterEach
    void stop() throws Exception {
        if (router != null) {
            router.close();
        }
        primary.close();
        replica.close();
    }

    @Test
    void theNextPipelinedRequestIsRoutedOnTheClientThreadThatCompletedTheProxiedAnswer() throws Exception {
        router = start(next -> new Recorder(next, null));

        pipelinedReads();

        assertThat(routedOn.get(FIRST)).doesNotStartWith("router-client-");
        assertThat(routedOn.get(SECOND))
                .as("resumed inline on the upstream client's thread")
                .startsWith("router-client-");
    }

    @Test
    void aBlockingHandlerTreeKeepsTheConnectionOnTheServersThreads() throws Exception {
        router = start(next -> new Recorder(next, InvocationType.BLOCKING));

        pipelinedReads();

        assertThat(routedOn.get(SECOND))
                .as("handed to the server's pool: the tree may block")
                .isNotNull()
                .doesNotStartWith("router-client-");
    }

    private void pipelinedReads() throws Exception {
        List<Pipelined.Answer> answers =
                Pipelined.send(router.port(), List.of(Pipelined.get(FIRST), Pipelined.get(SECOND)));
        assertThat(answers).extracting(Pipelined.Answer::status).containsExactly(200, 200);
        assertThat(replica.seen()).extracting(FakeUpstream.Seen::pathQuery).containsExactly(FIRST, SECOND);
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
     * Records the thread that routes each request, and says when routing {@link #FIRST} returned.
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
                if (path.equals(FIRST)) {
                    firstRouted.countDown();
                }
            }
        }

        @Override
        public InvocationType getInvocationType() {
            return declared == null ? super.getInvocationType() : declared;
        }
    }
}
