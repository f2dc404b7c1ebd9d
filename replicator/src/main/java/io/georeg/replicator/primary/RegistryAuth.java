package io.georeg.replicator.primary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Credentials for the primary registry: answers its 401 challenges and remembers the outcome.
 * Distribution's token flow (docs "Token Authentication Specification"): a {@code Bearer}
 * challenge names a realm, service and scope; a token is fetched from the realm with HTTP basic
 * credentials (or anonymously), cached per scope until shortly before {@code expires_in} runs out,
 * and sent as {@code Authorization: Bearer}. A {@code Basic} challenge (htpasswd auth) switches to
 * sending basic credentials on every request. Used only by {@link PrimaryTransport}; thread-safe.
 */
final class RegistryAuth {
    /** Distribution's token spec: a token without expires_in is good for 60 seconds. */
    private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
    /** Renew this long before expiry, so a token does not run out between send and check. */
    private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(10);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String username;
    private final String password;
    private final Duration requestTimeout;
    private final Clock clock;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private volatile boolean basicScheme;

    RegistryAuth(HttpClient http, String username, String password, Duration requestTimeout, Clock clock) {
        this.http = http;
        this.username = username;
        this.password = password;
        this.requestTimeout = requestTimeout;
        this.clock = clock;
    }

    /** The Authorization header to send for a request needing {@code scope}, when one is known. */
    Optional<String> authorizationFor(String scope) {
        if (basicScheme) {
            return basicHeader();
        }
        Token token = tokens.get(scope);
        if (token != null && clock.instant().isBefore(token.renewAfter())) {
            return Optional.of("Bearer " + token.value());
        }
        return Optional.empty();
    }

    /**
     * Answers a 401's challenge for {@code scope}.
     *
     * @return true when new credentials were obtained and the request is worth repeating
     */
    boolean answer(String wwwAuthenticate, String scope) {
        Optional<Challenge> parsed = Challenge.parse(wwwAuthenticate);
        if (parsed.isEmpty()) {
            return false;
        }
        Challenge challenge = parsed.get();
        if (challenge.isBasic()) {
            boolean first = !basicScheme;
            basicScheme = true;
            return first && username != null;
        }
        if (!challenge.isBearer()) {
            throw new PrimaryException(
                    "primary asks for unsupported authentication scheme " + challenge.scheme(), 401, false, null);
        }
        tokens.put(scope, fetchToken(challenge, scope));
        return true;
    }

    private Token fetchToken(Challenge challenge, String scope) {
        String realm = challenge
                .param("realm")
                .orElseThrow(() -> new PrimaryException(
                        "primary's Bearer challenge has no realm: cannot fetch a token", 401, false, null));
        StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?');
        challenge
                .param("service")
                .ifPresent(s -> url.append("service=").append(encode(s)).append('&'));
        url.append("scope=").append(encode(challenge.param("scope").orElse(scope)));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url.toString()))
                .timeout(requestTimeout)
                .GET();
        basicHeader().ifPresent(h -> request.header("Authorization", h));
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw PrimaryException.unreachable("token request to " + realm, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PrimaryException.unreachable("token request to " + realm, e);
        }
        if (response.statusCode() != 200) {
            throw PrimaryException.forStatus("token request to " + realm + " for " + scope, response.statusCode());
        }
        try {
            JsonNode body = JSON.readTree(response.body());
            String value = body.path("token").asText(body.path("access_token").asText(""));
            if (value.isEmpty()) {
                throw new PrimaryException("token response from " + realm + " has no token", 200, false, null);
            }
            long expiresIn = body.path("expires_in").asLong(DEFAULT_TOKEN_LIFETIME.toSeconds());
            Instant issued = clock.instant();
            Duration lifetime = Duration.ofSeconds(Math.max(expiresIn, 1));
            Instant renewAfter = issued.plus(
                    lifetime.compareTo(EXPIRY_MARGIN.multipliedBy(2)) > 0
                            ? lifetime.minus(EXPIRY_MARGIN)
                            : lifetime.dividedBy(2));
            return new Token(value, renewAfter);
        } catch (IOException e) {
            throw new PrimaryException(
                    "token response from " + realm + " is not JSON: " + e.getMessage(), 200, false, e);
        }
    }

    /** {@code Basic} with the configured credentials; empty when anonymous. */
    Optional<String> basicHeader() {
        if (username == null) {
            return Optional.empty();
        }
        String pair = username + ":" + (password == null ? "" : password);
        return Optional.of("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private record Token(String value, Instant renewAfter) {}
}
