package io.georeg.token;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.auth.TestTokenIssuer.KeyKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;

/**
 * Fuzzes the bearer-token validator with what an attacker controls: arbitrary strings, tokens whose
 * header (algorithm, kid, x5c chain), claims and signature are arbitrary, and a genuine token with
 * one part replaced. Every one must be refused with a {@link TokenRejectedException}: an accepted
 * token is a forgery (none of them carries a signature by the trusted key), and any other
 * exception would be a 500 instead of a 401. Regression inputs in {@code TokenVerifierFuzzTestInputs/}.
 */
public class TokenVerifierFuzzTest {
    private static final String ISSUER = "fuzz-issuer";
    private static final String SERVICE = "fuzz-registry";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final String[] ALGORITHMS = {"RS256", "ES256", "none", "HS256", "PS256", "EdDSA", ""};

    private static TestTokenIssuer issuer;
    private static TokenVerifier verifier;
    private static String genuine;

    @FuzzTest(maxDuration = "5s")
    void tokens(FuzzedDataProvider data) {
        fuzzerTestOneInput(data);
    }

    public static synchronized void fuzzerInitialize() {
        if (verifier != null) {
            return;
        }
        try {
            issuer = TestTokenIssuer.create(KeyKind.RSA, ISSUER, SERVICE);
            Path bundle = issuer.writeRootBundle(
                    Files.createTempDirectory("token-fuzz").resolve("root.pem"));
            TokenAuthConfig config =
                    new TokenAuthConfig("https://auth.example/jwt/auth", SERVICE, ISSUER, bundle).validate();
            verifier = new TokenVerifier(config, TrustedKeys.load(bundle), Clock.systemUTC());
            genuine = issuer.token().subject("alice").pull("team/app").sign();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        fuzzerInitialize();
        String token = switch (data.consumeInt(0, 2)) {
            case 0 -> data.consumeRemainingAsString();
            case 1 -> forged(data);
            default -> tampered(data);
        };
        if (token.equals(genuine)) {
            return; // the fuzzer rebuilt the genuine token: accepting it is right
        }
        try {
            VerifiedToken accepted = verifier.verify(token);
            throw new IllegalStateException(
                    "a token not signed by the trusted key was accepted for " + accepted.subject() + ": " + token);
        } catch (TokenRejectedException refused) {
            // 401: the documented answer
        }
    }

    /** A JWS of three parts whose header, claims and signature are all the fuzzer's. */
    private static String forged(FuzzedDataProvider data) {
        String header = "{\"alg\":\"" + data.pickValue(ALGORITHMS) + "\",\"typ\":\"JWT\""
                + (data.consumeBoolean() ? ",\"kid\":\"" + data.consumeAsciiString(60) + "\"" : "")
                + (data.consumeBoolean()
                        ? ",\"x5c\":[\"" + Base64.getEncoder().encodeToString(data.consumeBytes(300)) + "\"]"
                        : "")
                + "}";
        String claims = data.consumeString(300);
        return encode(header) + "." + encode(claims) + "." + B64.encodeToString(data.consumeRemainingAsBytes());
    }

    /** The genuine token with its header, claims or signature replaced by the fuzzer's. */
    private static String tampered(FuzzedDataProvider data) {
        String[] parts = genuine.split("\\.");
        int part = data.consumeInt(0, 2);
        parts[part] = data.consumeBoolean() ? encode(data.consumeRemainingAsString()) : data.consumeRemainingAsString();
        return String.join(".", parts);
    }

    private static String encode(String text) {
        return B64.encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
