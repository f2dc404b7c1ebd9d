package io.georeg.router.outage;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * A token request as the outage shield reads it: what it authenticates with and its {@code scope}
 * values, in either form of distribution's token protocol. A {@code GET} (docker, skopeo, podman)
 * carries HTTP Basic credentials and its scopes in the query. An OAuth2 {@code POST}
 * ({@code application/x-www-form-urlencoded}: containerd's first try whenever it has credentials,
 * docker's every request once it holds an identity token) carries both in its body: {@code
 * grant_type=password} with {@code username} and {@code password}, read with the same checks as
 * Basic ({@link Credentials#of}), or {@code grant_type=refresh_token} with {@code refresh_token}
 * ({@link RefreshToken#of}). Another grant type, or a form that also has an {@code Authorization}
 * header (which of the two the token service believed cannot be told), is unusable, never
 * anonymous. Parsed once per request by the token route ({@code
 * TokenRoute}), which reads a form whole before it forwards it unchanged: that one reading serves
 * the frozen check, the shield's learning and the shield's answer alike.
 *
 * <p>A query or form that cannot be decoded (bad percent-encoding; a form too large or cut short)
 * has scopes that cannot be read: it may ask to write, and is refused where a request asking to
 * write is ({@link #mayAskToWrite}), as {@code TokenScopes} always took an undecodable query.
 *
 * @param authentication   empty when unusable ({@link Credentials#fromAuthorization})
 * @param scopes           every {@code scope} value, as sent (several may be in one, space-separated)
 * @param scopesUnreadable the query or form could not be decoded: what it asks for cannot be told
 */
public record TokenRequest(Optional<Authentication> authentication, List<String> scopes, boolean scopesUnreadable) {
    /** A form larger than this is no token request a client sends (64 scopes and a 4 KiB password fit). */
    public static final int MAX_FORM_BYTES = 64 * 1024;

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final TokenRequest UNREADABLE = new TokenRequest(Optional.empty(), List.of(), true);

    /** Whether the request is an OAuth2 form {@code POST}, whose credentials and scopes are in its body. */
    public static boolean isForm(Request request) {
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        return "POST".equals(request.getMethod())
                && type != null
                && type.toLowerCase(Locale.ROOT).startsWith(FORM);
    }

    /**
     * A {@code GET} (or any request without a form): Basic credentials, scopes from {@code query},
     * the raw query the token service is sent (null when none).
     */
    public static TokenRequest ofQuery(String authorization, String query) {
        Optional<Authentication> credentials =
                Credentials.fromAuthorization(authorization).map(Authentication.class::cast);
        return fields(query)
                .map(f -> new TokenRequest(credentials, List.copyOf(f.getOrDefault("scope", List.of())), false))
                .orElseGet(() -> new TokenRequest(credentials, List.of(), true));
    }

    /** An OAuth2 form {@code POST}; {@code form} null when it was too large or not read whole. */
    public static TokenRequest ofForm(String authorization, byte[] form) {
        Optional<Map<String, List<String>>> fields =
                form == null ? Optional.empty() : fields(new String(form, StandardCharsets.UTF_8));
        if (fields.isEmpty()) {
            return UNREADABLE;
        }
        Map<String, List<String>> f = fields.get();
        // service, client_id, access_type: nothing the shield checks.
        String grantType = authorization == null ? first(f, "grant_type") : null;
        Optional<Authentication> authentication = switch (grantType == null ? "" : grantType) {
            case "password" ->
                Credentials.of(first(f, "username"), first(f, "password")).map(Authentication.class::cast);
            case "refresh_token" -> RefreshToken.of(first(f, "refresh_token")).map(Authentication.class::cast);
            default -> Optional.empty();
        };
        return new TokenRequest(authentication, List.copyOf(f.getOrDefault("scope", List.of())), false);
    }

    /**
     * Whether the request may ask to push or delete: {@code asksToWrite} (the router's one reading
     * of scopes) says so, or its scopes cannot be read. A frozen router refuses it; the shield
     * answers it the write's 503.
     */
    public boolean mayAskToWrite(Predicate<List<String>> asksToWrite) {
        return scopesUnreadable || asksToWrite.test(scopes);
    }

    /**
     * The fields of a query or a form ({@code name=value&…}, percent-encoded, {@code +} for a
     * space), every value of each in order; empty when something in it cannot be decoded.
     */
    private static Optional<Map<String, List<String>>> fields(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return Optional.of(out);
        }
        try {
            for (String field : raw.split("&")) {
                if (field.isEmpty()) {
                    continue;
                }
                int eq = field.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? field : field.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(field.substring(eq + 1), StandardCharsets.UTF_8);
                out.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            }
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.of(out);
    }

    private static String first(Map<String, List<String>> fields, String name) {
        List<String> values = fields.get(name);
        return values == null ? null : values.getFirst();
    }
}
