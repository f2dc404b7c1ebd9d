package io.georeg.router.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.token.BearerToken;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's admin API under {@code /-/admin/} (a LOCAL route), used by {@code georeg drill}
 * and {@code georeg promote}:
 * <ul>
 *   <li>{@code GET /-/admin/mode}, {@code GET /-/admin/primary} — the current state as JSON;</li>
 *   <li>{@code PUT /-/admin/mode} {@code {"mode":"normal"|"primary-down"|"frozen","reason":"…"}};</li>
 *   <li>{@code PUT /-/admin/primary} {@code {"url":"http://…"}} ({@code null}: the configured primary).</li>
 * </ul>
 * Either PUT may carry a precondition, {@code "expect":{"mode":"…","primaryUrl":"http://…"}}
 * ({@code primaryUrl} null: the configured primary; left out: not compared): the switch is made
 * only if the state is still that ({@link AdminExpectation}), else answered 409 with the state as it
 * is now in {@code "state"}, nothing changed. Without it a PUT switches whatever the state is.
 * Every request needs {@code Authorization: Bearer <router.admin.token>}, compared in constant
 * time; without a configured token the API does not exist (404). Wrong tokens are limited per
 * client address ({@link FailedAttempts}: 429 with {@code Retry-After}). Served on the router's
 * operator listener only, never on the public one. A change is written to the
 * {@link AdminStateStore} (shared by all routers when it is the database) and applied to this
 * router at once. A change the store cannot take within {@code router.admin.storeTimeout} (the
 * database stalls) is applied here all the same and answered 200 with {@code "stored": false}
 * and {@code "notStored"} saying what that means ({@link SiteControl} says why it is applied): the
 * answer comes within that bound, never as long as the database hangs. Called by the dispatcher
 * on virtual threads, so reading the body blocks.
 */
public final class AdminEndpoint {
    public static final String PREFIX = "/-/admin/";
    private static final Logger LOG = LoggerFactory.getLogger(AdminEndpoint.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 16 * 1024;

    private final byte[] token;
    private final SiteControl control;
    private final FailedAttempts failures;
    private final URI publicUrl;
    private final Supplier<Optional<String>> replicaBypass;

    /**
     * @param token     the admin bearer token; null or blank disables the API
     * @param publicUrl the router's public URL ({@code router.publicUrl}), reported so that a drill
     *                  given only operator URLs pulls where clients pull
     * @param replicaBypass why the primary this API switches answers its pulls itself rather than the
     *                  replica ({@link ReplicaBinding}), reported beside the primary it concerns
     */
    public AdminEndpoint(
            String token,
            SiteControl control,
            FailedAttempts failures,
            URI publicUrl,
            Supplier<Optional<String>> replicaBypass) {
        this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
        this.control = control;
        this.failures = failures;
        this.publicUrl = publicUrl;
        this.replicaBypass = replicaBypass;
    }

    public void handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        if (token == null) {
            error(
                    response,
                    callback,
                    404,
                    "the admin API is disabled: set router.admin.token (or tokenFile) to enable it");
            return;
        }
        String address = Request.getRemoteAddr(request);
        Optional<Duration> blocked = failures.blocked(address);
        if (blocked.isPresent()) {
            long seconds = Math.max(1, (blocked.get().toMillis() + 999) / 1000);
            response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(seconds));
            error(
                    response,
                    callback,
                    429,
                    "too many wrong admin tokens from " + address + "; retry in " + seconds + "s");
            return;
        }
        if (!authorized(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            failures.failed(address);
            LOG.warn("admin: wrong or missing token from {} for {} {}", address, request.getMethod(), path);
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"georeg-admin\"");
            error(response, callback, 401, "admin token required: Authorization: Bearer <router.admin.token>");
            return;
        }
        String method = request.getMethod();
        try {
            switch (path) {
                case PREFIX + "mode" -> {
                    if ("PUT".equals(method)) {
                        JsonNode body = body(request);
                        RouterMode mode = RouterMode.parse(text(body, "mode"));
                        String reason = body.path("reason").asText("");
                        control.setMode(mode, reason, expectation(body));
                        LOG.warn("admin: mode set to {} ({})", mode.label(), reason);
                    } else if (!"GET".equals(method)) {
                        methodNotAllowed(response, callback);
                        return;
                    }
                    json(response, callback, 200, describe());
                }
                case PREFIX + "primary" -> {
                    if ("PUT".equals(method)) {
                        JsonNode body = body(request);
                        Optional<URI> primary = optionalUrl(body.path("url"), "url");
                        control.setPrimary(primary, expectation(body));
                        LOG.warn("admin: primary set to {}", control.primaryUrl());
                    } else if (!"GET".equals(method)) {
                        methodNotAllowed(response, callback);
                        return;
                    }
                    json(response, callback, 200, describe());
                }
                default ->
                    error(
                            response,
                            callback,
                            404,
                            "no admin resource " + path + ": use /-/admin/mode or /-/admin/primary");
            }
        } catch (AdminStateChanged e) {
            LOG.warn("admin: {} {} not made: {}", method, path, e.getMessage());
            ObjectNode body = JSON.createObjectNode();
            body.put("error", e.getMessage());
            body.set("state", stateOf(e.now()));
            json(response, callback, 409, body);
        } catch (IllegalArgumentException e) {
            error(response, callback, 400, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("admin {} {} failed", method, path, e);
            error(response, callback, 500, "admin change failed: " + e.getMessage());
        }
    }

    private ObjectNode describe() {
        AdminState state = control.state();
        ObjectNode out = JSON.createObjectNode();
        out.put("mode", state.mode().label());
        out.put("reason", state.reason());
        out.put("primaryUrl", control.primaryUrl().toString());
        out.put("configuredPrimaryUrl", control.configuredPrimaryUrl().toString());
        out.put("publicUrl", publicUrl.toString());
        out.put("primaryCircuit", control.primaryCircuit().isOpen() ? "open" : "closed");
        // What the health probes alone say, so a drill can tell a real outage from its own switch.
        out.put("primaryProbedReachable", !control.primaryCircuit().probedOpen());
        out.put("updatedAt", state.updatedAt().toString());
        Optional<String> bypass = replicaBypass.get();
        out.put("replicaServesPulls", bypass.isEmpty());
        bypass.ifPresent(why -> out.put("replicaBypass", why));
        Optional<String> notStored = control.notStored();
        out.put("stored", notStored.isEmpty());
        notStored.ifPresent(why -> out.put("notStored", why));
        return out;
    }

    /** The state a 409 found, in the fields {@code GET} answers it with. */
    private ObjectNode stateOf(AdminState state) {
        ObjectNode out = JSON.createObjectNode();
        out.put("mode", state.mode().label());
        out.put("reason", state.reason());
        out.put(
                "primaryUrl",
                state.primaryUrl().orElse(control.configuredPrimaryUrl()).toString());
        out.put("updatedAt", state.updatedAt().toString());
        return out;
    }

    /** The body's {@code "expect"}: empty without one. */
    private Optional<AdminExpectation> expectation(JsonNode body) {
        JsonNode expect = body.get("expect");
        if (expect == null || expect.isNull()) {
            return Optional.empty();
        }
        if (!expect.isObject()) {
            throw new IllegalArgumentException("'expect' must be an object: {\"mode\":\"…\",\"primaryUrl\":\"…\"}");
        }
        RouterMode mode = RouterMode.parse(text(expect, "mode"));
        JsonNode url = expect.path("primaryUrl");
        URI configured = primaryUrl(control.configuredPrimaryUrl().toString());
        Optional<URI> primary = url.isMissingNode()
                ? Optional.empty()
                : Optional.of(optionalUrl(url, "expect.primaryUrl").orElse(configured));
        return Optional.of(new AdminExpectation(mode, primary, configured));
    }

    /** A URL field: empty when null or left out (the configured primary). */
    private static Optional<URI> optionalUrl(JsonNode url, String field) {
        if (url.isNull() || url.isMissingNode()) {
            return Optional.empty();
        }
        try {
            return Optional.of(primaryUrl(url.asText()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }

    private boolean authorized(String header) {
        return BearerToken.of(header)
                .filter(given -> MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8)))
                .isPresent();
    }

    private static JsonNode body(Request request) {
        long length = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (length > MAX_BODY) {
            throw new IllegalArgumentException("request body larger than " + MAX_BODY + " bytes");
        }
        String text;
        try {
            text = Content.Source.asString(request, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read the request body: " + e.getMessage(), e);
        }
        if (text.length() > MAX_BODY) {
            throw new IllegalArgumentException("request body larger than " + MAX_BODY + " bytes");
        }
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("the body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException("'" + field + "' is required");
        }
        return n.asText();
    }

    static URI primaryUrl(String text) {
        URI url;
        try {
            url = URI.create(text.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'url' is not a URL: " + text, e);
        }
        if (!url.isAbsolute()
                || url.getHost() == null
                || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
                || (url.getRawPath() != null
                        && !url.getRawPath().isEmpty()
                        && !url.getRawPath().equals("/"))
                || url.getRawQuery() != null) {
            throw new IllegalArgumentException(
                    "'url' must be an http(s) origin without path, e.g. http://registry-b.example.com:5000; got "
                            + text);
        }
        return URI.create(url.getScheme() + "://" + url.getRawAuthority());
    }

    private static void methodNotAllowed(Response response, Callback callback) {
        response.getHeaders().put(HttpHeader.ALLOW, "GET, PUT");
        error(response, callback, 405, "use GET or PUT");
    }

    private static void error(Response response, Callback callback, int status, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.put("error", message);
        json(response, callback, status, body);
    }

    private static void json(Response response, Callback callback, int status, ObjectNode body) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            callback.failed(e);
            return;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }
}
