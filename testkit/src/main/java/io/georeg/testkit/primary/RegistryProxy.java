package io.georeg.testkit.primary;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Forwards every request it gets to a registry (a real distribution) and streams the answer back,
 * headers and all: what lets a fake of GitLab's or Harbor's own API sit in front of a real
 * registry on one base URL, as those products serve their API beside {@code /v2/}. Bodies are
 * streamed both ways; hop-by-hop headers are not passed on.
 */
final class RegistryProxy implements HttpHandler {
    private static final Set<String> NOT_FORWARDED =
            Set.of("connection", "content-length", "expect", "host", "upgrade", "transfer-encoding", "keep-alive");

    private final URI upstream;
    private final HttpClient http;

    RegistryProxy(URI upstream) {
        this.upstream = upstream;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            boolean hasBody = ex.getRequestHeaders().containsKey("Content-Length")
                    || ex.getRequestHeaders().containsKey("Transfer-Encoding");
            HttpRequest.Builder request = HttpRequest.newBuilder(
                            upstream.resolve(ex.getRequestURI().getRawPath()
                                    + (ex.getRequestURI().getRawQuery() == null
                                            ? ""
                                            : "?" + ex.getRequestURI().getRawQuery())))
                    .timeout(Duration.ofSeconds(60))
                    .method(
                            method,
                            hasBody
                                    ? HttpRequest.BodyPublishers.ofInputStream(ex::getRequestBody)
                                    : HttpRequest.BodyPublishers.noBody());
            for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
                if (!NOT_FORWARDED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    h.getValue().forEach(v -> request.header(h.getKey(), v));
                }
            }
            HttpResponse<InputStream> answer;
            try {
                answer = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted forwarding " + method + " " + ex.getRequestURI(), e);
            }
            answer.headers().map().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    ex.getResponseHeaders().put(name, values);
                }
            });
            long length = answer.headers().firstValueAsLong("Content-Length").orElse(-1);
            int status = answer.statusCode();
            try (InputStream body = answer.body()) {
                if ("HEAD".equals(method) || status == 204 || status == 304) {
                    // The JDK server sends no body here; the upstream's length is kept as a header.
                    if (length >= 0) {
                        ex.getResponseHeaders().set("Content-Length", Long.toString(length));
                    }
                    ex.sendResponseHeaders(status, -1);
                    return;
                }
                ex.sendResponseHeaders(status, length == 0 ? -1 : Math.max(length, 0));
                try (OutputStream out = ex.getResponseBody()) {
                    body.transferTo(out);
                }
            }
        }
    }

    void close() {
        http.close();
    }
}
