package io.georeg.testkit.primary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.georeg.testkit.auth.TestTokenIssuer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A fake of the GitLab container registry's own API ({@code /gitlab/v1/}, GitLab's
 * {@code docs-gitlab/api.md}), the two routes georeg uses, over a real distribution's content:
 * <ul>
 *   <li>{@code GET /gitlab/v1/repository-paths/<path>/repositories/list/?n=&last=}: the
 *       repositories at and below {@code path} as {@code [{"name", "path", "created_at"}]}, sorted
 *       by path, {@code n} (1–1000, default 100) per page and a {@code Link} to the next page when
 *       a page is full; 404 when no repository shares the path's top-level namespace. Needs a
 *       token with pull on {@code repository:<path>/*}, else 401 with the challenge naming that
 *       scope.</li>
 *   <li>{@code PATCH /gitlab/v1/repositories/<path>/} with {@code {"name": …}} or
 *       {@code {"namespace": …}}: moves the repository and everything below it in the registry's
 *       storage and then notifies a {@code rename} event ({@code target.rename} {type, from, to}),
 *       as GitLab's registry does after a project is renamed or moved. Needs push on {@code path};
 *       answers 204.</li>
 * </ul>
 * Tokens are checked as the registry would: signed by the issuer's key, unexpired, for its
 * service, with the access asked for.
 */
public final class GitLabRegistryApi implements HttpHandler {
    private static final String LIST = "/repositories/list/";
    private static final String PATHS = "/gitlab/v1/repository-paths/";
    private static final String REPOSITORIES = "/gitlab/v1/repositories/";

    /** Where rename notifications go: the replicator's intake and its shared secret. */
    public record Notify(URI url, String secret) {}

    private final URI registry;
    private final TestTokenIssuer issuer;
    private final URI realm;
    private final Path storageRoot;
    private final Notify notify;

    GitLabRegistryApi(URI registry, TestTokenIssuer issuer, URI realm, Path storageRoot, Notify notify) {
        this.registry = registry;
        this.issuer = issuer;
        this.realm = realm;
        this.storageRoot = storageRoot;
        this.notify = notify;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            if ("GET".equals(ex.getRequestMethod()) && path.startsWith(PATHS) && path.endsWith(LIST)) {
                list(ex, path.substring(PATHS.length(), path.length() - LIST.length()));
            } else if ("PATCH".equals(ex.getRequestMethod())
                    && path.startsWith(REPOSITORIES)
                    && path.endsWith("/")
                    && path.length() > REPOSITORIES.length() + 1) {
                rename(ex, path.substring(REPOSITORIES.length(), path.length() - 1));
            } else {
                RegistryApiFront.sendJson(ex, 404, error("NOT_FOUND", "no such route in this fake"));
            }
        }
    }

    private void list(HttpExchange ex, String path) throws IOException {
        String scope = "repository:" + path + "/*:pull";
        if (!granted(ex, path + "/*", "pull")) {
            challenge(ex, scope);
            return;
        }
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        int n = Integer.parseInt(query.getOrDefault("n", "100"));
        if (n < 1 || n > 1000) {
            RegistryApiFront.sendJson(ex, 400, error("INVALID_QUERY_PARAMETER_VALUE", "n must be 1..1000"));
            return;
        }
        String last = query.get("last");
        List<String> all = RegistryApiFront.repositories(registry, issuer);
        String top = path.split("/", 2)[0];
        if (all.stream().noneMatch(r -> r.equals(top) || r.startsWith(top + "/"))) {
            RegistryApiFront.sendJson(ex, 404, error("NAME_UNKNOWN", "repository name not known to registry"));
            return;
        }
        List<String> under = all.stream()
                .filter(r -> r.equals(path) || r.startsWith(path + "/"))
                .filter(r -> last == null || r.compareTo(last) > 0)
                .limit(n)
                .toList();
        ArrayNode body = RegistryApiFront.json().createArrayNode();
        for (String r : under) {
            ObjectNode o = body.addObject();
            o.put("name", r.substring(r.lastIndexOf('/') + 1));
            o.put("path", r);
            o.put("created_at", "2026-12-05T08:00:00.000Z");
        }
        if (under.size() == n) {
            ex.getResponseHeaders()
                    .set(
                            "Link",
                            "<" + PATHS + path + LIST + "?last="
                                    + URLEncoder.encode(under.getLast(), StandardCharsets.UTF_8) + "&n=" + n
                                    + ">; rel=\"next\"");
        }
        RegistryApiFront.sendJson(ex, 200, body);
    }

    private void rename(HttpExchange ex, String from) throws IOException {
        if (!granted(ex, from, "push")) {
            challenge(ex, "repository:" + from + ":push,pull");
            return;
        }
        JsonNode request = RegistryApiFront.json().readTree(ex.getRequestBody());
        String name = request.path("name").asText("");
        String namespace = request.path("namespace").asText("");
        if (name.isEmpty() == namespace.isEmpty()) {
            RegistryApiFront.sendJson(ex, 400, error("INVALID_BODY_PARAMETER", "give exactly one of name, namespace"));
            return;
        }
        String last = from.substring(from.lastIndexOf('/') + 1);
        String parent = from.contains("/") ? from.substring(0, from.lastIndexOf('/')) : "";
        String to = namespace.isEmpty() ? (parent.isEmpty() ? name : parent + "/" + name) : namespace + "/" + last;
        Path repositories = storageRoot.resolve("docker/registry/v2/repositories");
        Path source = repositories.resolve(from);
        Path target = repositories.resolve(to);
        if (!Files.isDirectory(source)) {
            RegistryApiFront.sendJson(ex, 404, error("NAME_UNKNOWN", from));
            return;
        }
        if (Files.exists(target)) {
            RegistryApiFront.sendJson(ex, 409, error("RENAME_CONFLICT", to + " exists"));
            return;
        }
        Files.createDirectories(target.getParent());
        Files.move(source, target);
        ex.sendResponseHeaders(204, -1);
        notifyRename(namespace.isEmpty() ? "name" : "namespace", from, to, subject(ex));
    }

    /** Sends the rename event the way GitLab's registry does once the rename is committed. */
    private void notifyRename(String type, String from, String to, String actor) {
        ObjectNode envelope = RegistryApiFront.json().createObjectNode();
        ObjectNode event = envelope.putArray("events").addObject();
        event.put("id", UUID.randomUUID().toString());
        event.put("timestamp", Instant.now().toString());
        event.put("action", "rename");
        ObjectNode target = event.putObject("target");
        target.put("repository", from);
        ObjectNode rename = target.putObject("rename");
        rename.put("type", type);
        rename.put("from", from);
        rename.put("to", to);
        ObjectNode request = event.putObject("request");
        request.put("id", UUID.randomUUID().toString());
        request.put("method", "PATCH");
        request.put("useragent", "GitLab/fake");
        ObjectNode who = event.putObject("actor");
        who.put("name", actor);
        who.put("user_type", "human");
        who.put("user", "eyJhbGciOiJub25lIn0.eyJmYWtlIjp0cnVlfQ.");
        event.putObject("meta").put("project_path", from);
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(notify.url())
                            .header("Authorization", "Bearer " + notify.secret())
                            .header("Content-Type", "application/vnd.docker.distribution.events.v1+json")
                            .POST(HttpRequest.BodyPublishers.ofString(envelope.toString()))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("rename notification answered " + r.statusCode() + ": " + r.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("rename notification failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean granted(HttpExchange ex, String name, String action) {
        return claims(ex)
                .map(c -> {
                    Object access = c.get("access");
                    if (!(access instanceof List<?> entries)) {
                        return false;
                    }
                    for (Object entry : entries) {
                        if (entry instanceof Map<?, ?> m
                                && "repository".equals(m.get("type"))
                                && name.equals(m.get("name"))
                                && m.get("actions") instanceof List<?> actions
                                && actions.contains(action)) {
                            return true;
                        }
                    }
                    return false;
                })
                .orElse(false);
    }

    private String subject(HttpExchange ex) {
        return claims(ex).map(c -> String.valueOf(c.get("sub"))).orElse("");
    }

    private java.util.Optional<Map<String, Object>> claims(HttpExchange ex) {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return java.util.Optional.empty();
        }
        try {
            SignedJWT jwt = SignedJWT.parse(header.substring(7).trim());
            var key = issuer.signingCertificate().getPublicKey();
            JWSVerifier verifier =
                    key instanceof ECPublicKey ec ? new ECDSAVerifier(ec) : new RSASSAVerifier((RSAPublicKey) key);
            var claims = jwt.getJWTClaimsSet();
            if (!jwt.verify(verifier)
                    || claims.getExpirationTime() == null
                    || claims.getExpirationTime().before(new Date())
                    || !claims.getAudience().contains(issuer.service())) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(claims.toJSONObject());
        } catch (ParseException | JOSEException e) {
            return java.util.Optional.empty();
        }
    }

    private void challenge(HttpExchange ex, String scope) throws IOException {
        ex.getResponseHeaders()
                .set(
                        "WWW-Authenticate",
                        "Bearer realm=\"" + realm + "\",service=\"" + issuer.service() + "\",scope=\"" + scope + "\"");
        RegistryApiFront.sendJson(ex, 401, error("UNAUTHORIZED", "authentication required"));
    }

    static Map<String, Object> error(String code, String message) {
        return Map.of("errors", List.of(Map.of("code", code, "message", message)));
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    out.put(
                            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }
}
