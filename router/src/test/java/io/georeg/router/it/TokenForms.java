package io.georeg.router.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.router.outage.TokenRequest;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * OAuth2 token forms ({@code application/x-www-form-urlencoded} {@code POST}s to the router's token
 * path, as containerd and docker send them), and those the token route must refuse unread: one
 * larger than {@link TokenRequest#MAX_FORM_BYTES}, and one cut short, sent on a raw socket because
 * no HTTP client sends less than its {@code Content-Length}. Shared by the token ITs.
 */
final class TokenForms {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private TokenForms() {}

    /** Posts {@code form} to the token path ({@code /jwt/auth}) of the router on {@code routerPort}. */
    static HttpResponse<String> post(int routerPort, String form) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + routerPort + "/jwt/auth"))
                        .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                        .POST(HttpRequest.BodyPublishers.ofString(form))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code form} padded with one more field past {@link TokenRequest#MAX_FORM_BYTES}. */
    static String tooLarge(String form) {
        String padded = form + "&pad=" + "x".repeat(TokenRequest.MAX_FORM_BYTES - form.length());
        assertThat(padded.length()).isGreaterThan(TokenRequest.MAX_FORM_BYTES);
        return padded;
    }

    /**
     * Posts {@code form} to the router's token path with a {@code Content-Length} 100 bytes longer,
     * stops sending (its half of the connection closed), and returns the raw answer: status line,
     * headers, body.
     */
    static String postCutShort(int routerPort, String form) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", routerPort)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /jwt/auth HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                            + (form.length() + 100) + "\r\n\r\n" + form)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.shutdownOutput();
            try (InputStream in = socket.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    /** The body of a raw answer of {@link #postCutShort}, after its status {@code 403}. */
    static String refusedBody(String rawAnswer) {
        assertThat(rawAnswer).startsWith("HTTP/1.1 403 ");
        return rawAnswer.substring(rawAnswer.indexOf("\r\n\r\n") + 4);
    }

    /** The token route's refusal of a form it would not read: {@code 403 DENIED} saying what a form must be. */
    static void assertRefused(int status, String body) throws Exception {
        assertThat(status).as(body).isEqualTo(403);
        JsonNode error = JSON.readTree(body).path("errors").path(0);
        assertThat(error.path("code").asText()).isEqualTo("DENIED");
        assertThat(error.path("message").asText())
                .isEqualTo("a token request's form must be sent whole and be at most " + TokenRequest.MAX_FORM_BYTES
                        + " bytes");
    }
}
