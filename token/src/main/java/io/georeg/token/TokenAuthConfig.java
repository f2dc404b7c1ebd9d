package io.georeg.token;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Token authentication settings, as distribution's {@code auth.token} section: the token
 * service's URL ({@code realm}), the name this registry has in tokens' {@code aud}
 * ({@code service}), the expected {@code iss} ({@code issuer}), and the PEM bundle of
 * certificates whose keys may sign tokens ({@code rootcertbundle}). {@code clockSkew} is the
 * leeway on {@code exp}/{@code nbf} (distribution uses 60 s).
 */
public record TokenAuthConfig(String realm, String service, String issuer, Path rootCertBundle, Duration clockSkew) {
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);

    public TokenAuthConfig {
        clockSkew = clockSkew == null ? DEFAULT_CLOCK_SKEW : clockSkew;
    }

    public TokenAuthConfig(String realm, String service, String issuer, Path rootCertBundle) {
        this(realm, service, issuer, rootCertBundle, DEFAULT_CLOCK_SKEW);
    }

    /**
     * Checks every key and names the one that is wrong and how to fix it.
     *
     * @throws IllegalArgumentException listing all problems
     */
    public TokenAuthConfig validate() {
        List<String> problems = new ArrayList<>();
        if (blank(realm) || !(realm.startsWith("http://") || realm.startsWith("https://"))) {
            problems.add(
                    "auth.token.realm must be the token service URL clients are sent to, e.g. https://gitlab.example.com/jwt/auth (got '"
                            + realm + "')");
        }
        if (blank(service)) {
            problems.add(
                    "auth.token.service is required: the audience (aud) the token service puts in tokens for this registry, e.g. container_registry");
        }
        if (blank(issuer)) {
            problems.add("auth.token.issuer is required: the iss of the token service's tokens, e.g. gitlab-issuer");
        }
        if (rootCertBundle == null) {
            problems.add(
                    "auth.token.rootcertbundle is required: a PEM file with the certificates whose keys sign tokens");
        } else if (!Files.isReadable(rootCertBundle)) {
            problems.add("auth.token.rootcertbundle " + rootCertBundle
                    + " is not a readable file: copy the token service's certificate bundle there");
        }
        if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(10)) > 0) {
            problems.add("auth.token.clockskew must be between 0s and 10m (got " + clockSkew + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid token auth configuration: " + String.join("; ", problems));
        }
        return this;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
