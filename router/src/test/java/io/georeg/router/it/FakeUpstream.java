package io.georeg.router.it;

import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A scripted upstream for proxy tests that need answers a real registry will not give on demand
 * (a redirect to storage, a 401 from the replica, a huge streamed body): records every request
 * (headers, body length and SHA-256, read as a stream) and answers with the current
 * {@link Answer}; the router's health probes (of {@code /v2/} and of a token service) get a plain
 * 200. Loopback, port 0.
 */
final class FakeUpstream implements AutoCloseable {

    record Seen(String method, String pathQuery, HttpFields headers, long bodyLength, String bodySha256) {}

    @FunctionalInterface
    interface Answer {
        void answer(Request request, Response response, Callback callback) throws Exception;
    }

    private final Server server = new Server();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile Answer answer = (req, resp, cb) -> text(resp, cb, 200, "ok");
    private volatile int readyStatus = 200;

    FakeUpstream() throws Exception {
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                if (isHealthProbe(request)) {
                    int status = "/-/ready".equals(request.getHttpURI().getPath()) ? readyStatus : 200;
                    text(response, callback, status, "{}");
                    return true;
                }
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                long length = 0;
                byte[] buffer = new byte[64 * 1024];
                try (InputStream in = Content.Source.asInputStream(request)) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        sha.update(buffer, 0, n);
                        length += n;
                    }
                }
                seen.add(new Seen(
                        request.getMethod(),
                        request.getHttpURI().getPathQuery(),
                        HttpFields.build(request.getHeaders()).asImmutable(),
                        length,
                        HexFormat.of().formatHex(sha.digest())));
                answer.answer(request, response, callback);
                return true;
            }
        });
        server.start();
    }

    /**
     * The router's health probes, answered and not recorded whatever the script says: a GET of
     * {@code /v2/} (the primary), of {@code /-/ready} (the replica; {@link #ready} scripts it) or of
     * a token service's URL without a query, and no request id (proxied requests always carry one;
     * the router's own look-ups at other paths are answered like any request).
     */
    private static boolean isHealthProbe(Request request) {
        String path = request.getHttpURI().getPath();
        return !request.getHeaders().contains("X-Request-Id")
                && ("/v2/".equals(path)
                        || "/-/ready".equals(path)
                        || "/jwt/auth".equals(path) && request.getHttpURI().getQuery() == null);
    }

    /** Whether {@code /-/ready} answers 200 (the default) or 503, as registry-read does when its backends fail. */
    void ready(boolean ready) {
        this.readyStatus = ready ? 200 : 503;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
    }

    void answer(Answer a) {
        this.answer = a;
    }

    List<Seen> seen() {
        return seen;
    }

    Seen last() {
        return seen.getLast();
    }

    static void text(Response response, Callback callback, int status, String body) {
        response.setStatus(status);
        response.getHeaders().put("Content-Type", "application/json");
        response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
