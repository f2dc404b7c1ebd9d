package io.georeg.failover.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.failover.FailoverException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Talks to one router's admin API ({@code /-/admin/mode}, {@code /-/admin/primary}) with the
 * admin bearer token. Used by {@code georeg drill} and {@code georeg promote}; every failure is a
 * {@link FailoverException} naming the router and what it answered.
 */
public final class RouterAdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** The router's words when its admin API is off ({@code AdminEndpoint}). */
    private static final String ADMIN_DISABLED = "the admin API is disabled";

    private final URI router;
    private final String token;
    private final HttpClient http;

    public RouterAdminClient(HttpClient http, URI router, String token) {
        this.http = http;
        this.router = router;
        this.token = token;
    }

    public URI router() {
        return router;
    }

    public RouterAdminView mode() {
        return send("GET", "/-/admin/mode", null);
    }

    public RouterAdminView setMode(String mode, String reason) {
        ObjectNode body = JSON.createObjectNode().put("mode", mode).put("reason", reason);
        return send("PUT", "/-/admin/mode", body);
    }

    /**
     * Sets the mode only if the router is still in the state {@code expect} says (the one this run
     * left it in); else {@link StateChangedMeanwhile}, nothing changed. A router already in
     * {@code mode} on the expected primary answers as switched: the site's routers share their
     * state, and the switch through one of them switched the others.
     */
    public RouterAdminView setMode(String mode, String reason, Expected expect) {
        ObjectNode body = JSON.createObjectNode().put("mode", mode).put("reason", reason);
        body.set("expect", expect.json());
        try {
            return send("PUT", "/-/admin/mode", body);
        } catch (StateChangedMeanwhile e) {
            if (mode.equals(e.mode())
                    && (expect.primaryUrl() == null
                            || expect.primaryUrl().toString().equals(e.primaryUrl()))) {
                return mode();
            }
            throw e;
        }
    }

    public RouterAdminView setPrimary(URI url) {
        return send("PUT", "/-/admin/primary", JSON.createObjectNode().put("url", url.toString()));
    }

    /** Switches the primary only over the state {@code expect} says, as {@link #setMode(String, String, Expected)}. */
    public RouterAdminView setPrimary(URI url, Expected expect) {
        ObjectNode body = JSON.createObjectNode().put("url", url.toString());
        body.set("expect", expect.json());
        try {
            return send("PUT", "/-/admin/primary", body);
        } catch (StateChangedMeanwhile e) {
            if (expect.mode().equals(e.mode()) && url.toString().equals(e.primaryUrl())) {
                return mode();
            }
            throw e;
        }
    }

    /**
     * The state a switch is made over: {@code mode}, and {@code primaryUrl} (null: not compared), as
     * the router reported them to this run.
     */
    public record Expected(String mode, URI primaryUrl) {
        ObjectNode json() {
            ObjectNode node = JSON.createObjectNode().put("mode", mode);
            if (primaryUrl != null) {
                node.put("primaryUrl", primaryUrl.toString());
            }
            return node;
        }

        String describe() {
            return "mode " + mode + (primaryUrl == null ? "" : ", primary " + primaryUrl);
        }
    }

    /** What a 409 says: the state changed since this run switched it, and it is left as it is. */
    private StateChangedMeanwhile changedMeanwhile(String method, String path, ObjectNode sent, String body) {
        JsonNode state;
        try {
            state = JSON.readTree(body).path("state");
        } catch (IOException e) {
            throw new FailoverException(
                    "router " + router + " answered 409 to " + method + " " + path + ": " + body, e);
        }
        String mode = state.path("mode").asText();
        String reason = state.path("reason").asText("");
        String primary = state.path("primaryUrl").asText();
        JsonNode expected = sent.path("expect");
        return new StateChangedMeanwhile(
                "router " + router + " was NOT switched (" + method + " " + path + " "
                        + sent.deepCopy().without("expect")
                        + "): its admin state changed meanwhile, to mode " + mode
                        + (reason.isBlank() ? "" : " (" + reason + ")") + ", primary " + primary + " since "
                        + state.path("updatedAt").asText() + ", where this run expected "
                        + new Expected(
                                        expected.path("mode").asText(),
                                        expected.hasNonNull("primaryUrl")
                                                ? URI.create(expected.path("primaryUrl")
                                                        .asText())
                                                : null)
                                .describe()
                        + "; another drill, promotion or operator switched it, and georeg left that as it is "
                        + "rather than overwrite it",
                mode,
                primary);
    }

    /**
     * What a 404 means: a router's operator listener answers it (with its own words) while its admin
     * API is off; anything else answering 404 for {@code /-/admin} — most often the router's public
     * URL, or a registry — is not an operator listener, and setting a token would not help.
     */
    private String notFound(String body) {
        if (body.contains(ADMIN_DISABLED)) {
            return "router " + router + " has no admin API (404): set router.admin.token on it";
        }
        return router + " answered 404 for /-/admin: it is not a router's operator listener (router.operator.port, "
                + "in the chart the Service <release>-georeg-router-operator on port 8090); the router's public URL "
                + "answers 404 for /-/admin (" + body.strip() + ")";
    }

    private RouterAdminView send(String method, String path, ObjectNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(router.resolve(path))
                .timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
        if (body == null) {
            request.GET();
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new FailoverException(
                    "router " + router + " is unreachable for " + method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FailoverException("interrupted while calling router " + router, e);
        }
        if (response.statusCode() == 401) {
            throw new FailoverException(
                    "router " + router + " refused the admin token: pass the value of its router.admin.token");
        }
        if (response.statusCode() == 404) {
            throw new FailoverException(notFound(response.body()));
        }
        if (response.statusCode() == 409 && body != null && body.has("expect")) {
            throw changedMeanwhile(method, path, body, response.body());
        }
        if (response.statusCode() != 200) {
            throw new FailoverException("router " + router + " answered " + response.statusCode() + " to " + method
                    + " " + path + ": " + response.body());
        }
        try {
            JsonNode n = JSON.readTree(response.body());
            return new RouterAdminView(
                    router,
                    n.path("mode").asText(),
                    n.path("reason").asText(),
                    URI.create(n.path("primaryUrl").asText()),
                    n.path("primaryCircuit").asText(),
                    n.path("primaryProbedReachable").asBoolean(),
                    n.hasNonNull("publicUrl") ? URI.create(n.path("publicUrl").asText()) : null,
                    // Routers before the stalled-database change always stored, and do not say so.
                    n.path("stored").asBoolean(true),
                    n.hasNonNull("notStored") ? n.path("notStored").asText() : null);
        } catch (IOException | IllegalArgumentException e) {
            throw new FailoverException(
                    "router " + router + " answered " + method + " " + path + " with unexpected JSON: "
                            + response.body(),
                    e);
        }
    }
}
