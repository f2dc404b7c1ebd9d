package io.georeg.status.web;

import io.georeg.db.Database;
import io.georeg.oci.NamespaceOwners;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Serves the replication status page from the tracking database: {@code GET /-/status} (HTML,
 * {@link StatusPageHtml}) and {@code GET /-/status.json} ({@link StatusPageJson}), both with an
 * optional {@code ?q=} repository search. Any other path is declined ({@code handle} returns
 * false), so the handler can sit first in a {@code Handler.Sequence} in front of other handlers,
 * or be mapped to {@link #PATHS} exactly. The {@code /-/} prefix cannot collide with the OCI API
 * ({@code /v2/…}). The app wires it into {@code georeg serve}; it reads on every request (no cache:
 * the queries are aggregates and a status page must not show stale numbers).
 *
 * <p>The HTML carries a Content-Security-Policy that allows only its own inline style and the one
 * script bearing this response's nonce, and no network access: even a database string that slipped
 * past escaping could not run script.
 */
public final class StatusPageHandler extends Handler.Abstract {
    public static final String HTML_PATH = "/-/status";
    public static final String JSON_PATH = "/-/status.json";
    public static final Set<String> PATHS = Set.of(HTML_PATH, JSON_PATH);

    private static final SecureRandom NONCES = new SecureRandom();

    private final Database database;
    private final NamespaceOwners owners;
    private final StatusPageSettings settings;

    public StatusPageHandler(Database database, StatusPageSettings settings) {
        this(database, null, settings);
    }

    /** @param owners which primary owns a repository (the page shows the queue per primary when several do), or null */
    public StatusPageHandler(Database database, NamespaceOwners owners, StatusPageSettings settings) {
        this.database = database;
        this.owners = owners;
        this.settings = settings;
    }

    public StatusPageHandler(Database database) {
        this(database, StatusPageSettings.defaults());
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if (!PATHS.contains(path)) {
            return false;
        }
        String method = request.getMethod();
        if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            Response.writeError(
                    request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "the status page is read-only");
            return true;
        }
        String q = Request.extractQueryParameters(request).getValue("q");
        StatusPageData data = StatusPageData.read(database, owners, settings, q);
        String body;
        if (path.equals(JSON_PATH)) {
            body = StatusPageJson.render(data);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        } else {
            String nonce = nonce();
            body = StatusPageHtml.render(data, nonce);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
            response.getHeaders()
                    .put(
                            "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; " + "script-src 'nonce-" + nonce
                                    + "'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        if (HttpMethod.HEAD.is(method)) {
            response.write(true, null, callback);
        } else {
            response.write(true, ByteBuffer.wrap(bytes), callback);
        }
        return true;
    }

    private static String nonce() {
        byte[] random = new byte[18];
        NONCES.nextBytes(random);
        return Base64.getEncoder().encodeToString(random);
    }
}
