package io.georeg.router.outage;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * A token request as the outage shield reads it: its credentials and its {@code scope} values, in
 * either form of distribution's token protocol. A {@code GET} (docker, skopeo, podman) carries
 * HTTP Basic credentials and its scopes in the query. An OAuth2 {@code POST}
 * ({@code application/x-www-form-urlencoded}, containerd's first try whenever it has credentials)
 * carries both in its body: {@code grant_type=password} with {@code username} and {@code
 * password}, read with the same checks as Basic ({@link Credentials#of}); {@code
 * grant_type=refresh_token}, or a form that also has an {@code Authorization} header (which of the
 * two the token service believed cannot be told), is unusable, never anonymous: the shield learns
 * no refresh token, so it cannot check one. Read by {@link TokenShield} from the request while it
 * answers; a form forwarded to the token service is read whole by the token route before it is
 * sent on, and that one reading serves the frozen check and the shield's learning alike.
 *
 * @param credentials empty when unusable ({@link Credentials#fromAuthorization})
 * @param scopes      every {@code scope} value, as sent (several may be in one, space-separated)
 */
public record TokenRequest(Optional<Credentials> credentials, List<String> scopes) {
    /** A form larger than this is no token request a client sends (64 scopes and a 4 KiB password fit). */
    public static final int MAX_FORM_BYTES = 64 * 1024;

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final TokenRequest UNUSABLE = new TokenRequest(Optional.empty(), List.of());

    /** Whether the request is an OAuth2 form {@code POST}, whose credentials and scopes are in its body. */
    public static boolean isForm(Request request) {
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        return "POST".equals(request.getMethod())
                && type != null
                && type.toLowerCase(java.util.Locale.ROOT).startsWith(FORM);
    }

    /** Reads the request, its form body included (blocking: on a virtual thread). */
    static TokenRequest read(Request request) {
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (!isForm(request)) {
            return ofQuery(authorization, request);
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] form = in.readNBytes(MAX_FORM_BYTES + 1);
            return ofForm(authorization, form.length > MAX_FORM_BYTES ? null : form);
        } catch (IOException e) {
            // The client went away or stalled: refused like any request whose credentials cannot be read.
            return ofForm(authorization, null);
        }
    }

    /** A {@code GET} (or any request without a form): Basic credentials, scopes from the query. */
    static TokenRequest ofQuery(String authorization, Request request) {
        List<String> scopes;
        try {
            Fields query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
            List<String> values = query.getValues("scope");
            scopes = values == null ? List.of() : values;
        } catch (RuntimeException e) {
            // A query Jetty cannot decode: nothing in it can be granted.
            scopes = List.of();
        }
        return new TokenRequest(Credentials.fromAuthorization(authorization), scopes);
    }

    /** An OAuth2 form {@code POST}; {@code form} null when it was too large or not read whole. */
    public static TokenRequest ofForm(String authorization, byte[] form) {
        if (form == null) {
            return UNUSABLE;
        }
        String grantType = null;
        String username = null;
        String password = null;
        List<String> scopes = new ArrayList<>();
        try {
            for (String field : new String(form, StandardCharsets.UTF_8).split("&")) {
                int eq = field.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? field : field.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(field.substring(eq + 1), StandardCharsets.UTF_8);
                switch (name) {
                    case "grant_type" -> grantType = value;
                    case "username" -> username = value;
                    case "password" -> password = value;
                    case "scope" -> scopes.add(value);
                    default -> {
                        // service, client_id, access_type, refresh_token: nothing the shield checks.
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            return UNUSABLE;
        }
        Optional<Credentials> credentials = "password".equals(grantType) && authorization == null
                ? Credentials.of(username, password)
                : Optional.empty();
        return new TokenRequest(credentials, List.copyOf(scopes));
    }
}
