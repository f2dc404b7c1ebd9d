package io.georeg.router.proxy;

import java.net.URI;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps clients on the one public URL: rewrites absolute {@code Location} URLs that point at the
 * primary (distribution answers uploads with absolute URLs of its own host, see its
 * {@code urlbuilder}) and the {@code realm} of {@code WWW-Authenticate: Bearer} challenges that
 * point at the primary's token endpoint. Anything pointing elsewhere — a pre-signed storage URL
 * in a redirect, say — passes unchanged. Called by {@link StreamingProxy} on every response
 * header it forwards.
 */
public final class PublicUrlRewriter {
    private static final Pattern REALM = Pattern.compile("(?i)(realm=)\"([^\"]*)\"");

    private final URI publicUrl;
    private final java.util.function.Supplier<URI> primaryUrl;
    private final URI authUrl;
    private final String publicAuthUrl;

    /** {@code authUrl} may be null when the primary has no token auth. */
    public PublicUrlRewriter(URI publicUrl, URI primaryUrl, URI authUrl, String authPath) {
        this(publicUrl, constant(Objects.requireNonNull(primaryUrl, "primaryUrl")), authUrl, authPath);
    }

    /** {@code primaryUrl} is asked on every header: a promotion switches the primary at run time. */
    public PublicUrlRewriter(URI publicUrl, java.util.function.Supplier<URI> primaryUrl, URI authUrl, String authPath) {
        this.publicUrl = Objects.requireNonNull(publicUrl, "publicUrl");
        this.primaryUrl = Objects.requireNonNull(primaryUrl, "primaryUrl");
        this.authUrl = authUrl;
        this.publicAuthUrl = origin(publicUrl) + authPath;
    }

    /** A {@code Location} value as the client must see it. */
    public String location(String value) {
        URI uri;
        try {
            uri = URI.create(value.trim());
        } catch (IllegalArgumentException e) {
            return value; // not a URI we understand: not ours to change
        }
        if (!uri.isAbsolute() || !sameOrigin(uri, primaryUrl.get())) {
            return value;
        }
        String rest = value.trim().substring(value.trim().indexOf("//") + 2);
        int slash = rest.indexOf('/');
        return origin(publicUrl) + (slash < 0 ? "" : rest.substring(slash));
    }

    /** A {@code WWW-Authenticate} value with the primary's realm replaced by the public one. */
    public String wwwAuthenticate(String value) {
        if (authUrl == null) {
            return value;
        }
        Matcher m = REALM.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String realm = m.group(2);
            String replacement = isAuthRealm(realm) ? publicAuthUrl + query(realm) : realm;
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + "\"" + replacement + "\""));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static java.util.function.Supplier<URI> constant(URI url) {
        return () -> url;
    }

    private boolean isAuthRealm(String realm) {
        try {
            URI uri = URI.create(realm);
            return uri.isAbsolute()
                    && sameOrigin(uri, authUrl)
                    && Objects.equals(normalPath(uri.getRawPath()), normalPath(authUrl.getRawPath()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String query(String realm) {
        int q = realm.indexOf('?');
        return q < 0 ? "" : realm.substring(q);
    }

    private static String normalPath(String path) {
        return path == null || path.isEmpty() ? "/" : path;
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null
                && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() != -1) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static String origin(URI u) {
        return u.getScheme() + "://" + u.getRawAuthority();
    }
}
