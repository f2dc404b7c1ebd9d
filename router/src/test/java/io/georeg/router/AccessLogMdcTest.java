package io.georeg.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.georeg.router.route.RouteId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The access log's fields are in the MDC of its event (what the JSON log format writes), though
 * the event is logged by {@link AccessLog}'s writer thread, and the request id is in the MDC while
 * the request is handled, for whatever is logged meanwhile.
 */
class AccessLogMdcTest {
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private final Logger access = (Logger) LoggerFactory.getLogger("io.georeg.router.access");
    private final AtomicReference<String> idWhileHandled = new AtomicReference<>();
    /** The primary whose legs take the next request (with several primaries), or null. */
    private final AtomicReference<String> primary = new AtomicReference<>();

    private Server server;
    private AccessLog accessLog;
    private URI base;

    @BeforeEach
    void start() throws Exception {
        events.start();
        access.addAppender(events);
        Handler routed = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                idWhileHandled.set(MDC.get(AccessLogHandler.MDC_REQUEST_ID));
                RequestRecord record = (RequestRecord) request.getAttribute(RequestRecord.ATTRIBUTE);
                record.routed(RouteId.BASE, "replica");
                record.fellBack("primary-fallback");
                if (primary.get() != null) {
                    record.primary(primary.get());
                }
                response.setStatus(200);
                callback.succeeded();
                return true;
            }
        };
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        accessLog = new AccessLog(new RouterConfig.AccessLog(RouterConfig.AccessLog.Mode.ALL, 1, null, 16), n -> {})
                .start();
        server.setHandler(new AccessLogHandler(accessLog, routed));
        server.start();
        base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
        accessLog.close();
        access.detachAppender(events);
    }

    @Test
    void accessLogEventCarriesRequestIdRouteDestinationAndFallbackInTheMdc() throws Exception {
        HttpResponse<Void> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(base.resolve("/v2/"))
                                .header("X-Request-Id", "req-42")
                                .build(),
                        HttpResponse.BodyHandlers.discarding());

        assertThat(response.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> !events.list.isEmpty());
        Map<String, String> mdc = events.list.get(0).getMDCPropertyMap();
        assertThat(mdc)
                .containsEntry("requestId", "req-42")
                .containsEntry("route", RouteId.BASE.label())
                .containsEntry("destination", "primary-fallback")
                .containsEntry("fallback", "true");
        assertThat(mdc).doesNotContainKey("primary");
        assertThat(events.list.get(0).getFormattedMessage())
                .contains("id=req-42")
                .contains("destination=primary-fallback fallback=true")
                .doesNotContain("primary=");
        assertThat(idWhileHandled.get()).isEqualTo("req-42");
    }

    /** docs/cells.md: with several primaries, {@code destination=primary} alone does not say which one. */
    @Test
    void withSeveralPrimariesTheLineAndTheMdcNameThePrimaryThatTookTheRequest() throws Exception {
        primary.set("cell-b");
        HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(base.resolve("/v2/")).build(), HttpResponse.BodyHandlers.discarding());

        await().atMost(Duration.ofSeconds(30)).until(() -> !events.list.isEmpty());
        assertThat(events.list.get(0).getMDCPropertyMap()).containsEntry("primary", "cell-b");
        assertThat(events.list.get(0).getFormattedMessage())
                .contains("destination=primary-fallback primary=cell-b fallback=true");
    }
}
