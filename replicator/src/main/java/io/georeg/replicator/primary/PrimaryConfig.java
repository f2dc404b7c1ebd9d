package io.georeg.replicator.primary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the primary registry is and how to log in to it, under the {@code replicator.primary.*}
 * configuration keys. Built by the app's configuration loader and by tests; {@link #validate()}
 * is called by {@link PrimaryClient}'s factory and names the key and the fix of every problem.
 *
 * @param url base URL of the primary's registry API, e.g. {@code https://registry.example.com}
 * @param username account for distribution's token flow or basic auth; null: anonymous
 * @param password its password (or set {@code passwordFile}); null when anonymous
 * @param passwordFile file holding the password (Kubernetes secret mount), trailing newline ignored
 * @param connectTimeout TCP connect timeout
 * @param requestTimeout time until response headers of one request (a blob body may take longer)
 * @param kind which registry product the primary is: decides how reconcile lists repositories
 *     without the catalog ({@link PrimaryKind}); null means {@link PrimaryKind#DISTRIBUTION}
 */
public record PrimaryConfig(
        URI url,
        String username,
        String password,
        Path passwordFile,
        Duration connectTimeout,
        Duration requestTimeout,
        PrimaryKind kind) {

    public PrimaryConfig {
        kind = kind == null ? PrimaryKind.DISTRIBUTION : kind;
    }

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** An anonymous primary with default timeouts. */
    public static PrimaryConfig anonymous(URI url) {
        return new PrimaryConfig(
                url, null, null, null, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, PrimaryKind.DISTRIBUTION);
    }

    public PrimaryConfig withCredentials(String user, String secret) {
        return new PrimaryConfig(url, user, secret, null, connectTimeout, requestTimeout, kind);
    }

    /** The same primary as another registry product (GitLab, Harbor). */
    public PrimaryConfig withKind(PrimaryKind k) {
        return new PrimaryConfig(url, username, password, passwordFile, connectTimeout, requestTimeout, k);
    }

    /** Returns this configuration, or throws listing every invalid key with its fix. */
    public PrimaryConfig validate() {
        List<String> problems = new ArrayList<>();
        if (url == null
                || url.getHost() == null
                || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
            problems.add("replicator.primary.url must be an http(s) URL of the primary registry such as "
                    + "https://registry.example.com (got " + url + ")");
        } else if (url.getRawPath() != null && !url.getRawPath().isEmpty() && !"/".equals(url.getRawPath())) {
            problems.add("replicator.primary.url must not have a path: the registry API is always under /v2/ (got "
                    + url + ")");
        }
        boolean hasSecret = password != null || passwordFile != null;
        if (password != null && passwordFile != null) {
            problems.add("set only one of replicator.primary.password and replicator.primary.passwordFile");
        }
        if (username == null && hasSecret) {
            problems.add("replicator.primary.username is required when a password is set");
        }
        if (username != null && !hasSecret) {
            problems.add(
                    "replicator.primary.password or replicator.primary.passwordFile is required when a username is set");
        }
        if (passwordFile != null && !Files.isReadable(passwordFile)) {
            problems.add("replicator.primary.passwordFile " + passwordFile + " is not a readable file");
        }
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
            problems.add("replicator.primary.connectTimeout must be positive, e.g. 5s (got " + connectTimeout + ")");
        }
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            problems.add("replicator.primary.requestTimeout must be positive, e.g. 30s (got " + requestTimeout + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "invalid primary registry configuration: " + String.join("; ", problems));
        }
        return this;
    }

    /** The base URL without a trailing slash, to which {@code /v2/...} is appended. */
    public String baseUrl() {
        String s = url.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** The password, read from {@code passwordFile} when that is how it is given; null when anonymous. */
    public String resolvedPassword() {
        if (passwordFile == null) {
            return password;
        }
        try {
            return Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read replicator.primary.passwordFile " + passwordFile, e);
        }
    }

    @Override
    public String toString() {
        return "PrimaryConfig[url=" + url + ", username=" + username + ", password="
                + (password == null ? "null" : "****") + ", passwordFile=" + passwordFile + ", connectTimeout="
                + connectTimeout + ", requestTimeout=" + requestTimeout + ", kind=" + kind + "]";
    }
}
