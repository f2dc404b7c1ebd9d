package io.georeg.replicator.primary;

import io.georeg.egress.PrimaryEgress;
import io.georeg.oci.Digest;
import io.georeg.oci.OciException;
import io.georeg.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How requests reach the primary: one {@link HttpClient} (trusting {@code primary.caBundle}, through
 * {@code primary.proxy}: {@link PrimaryEgress}), the replicator's User-Agent, a 401
 * answered once through {@link RegistryAuth}, redirects followed by hand (Authorization only to
 * the primary's own origin), bounded reads of small answers, and answer statuses turned into
 * {@link PrimaryException}s. Knows nothing of manifests or catalogs; {@link PrimaryContent} and
 * {@link PrimaryCatalog} build on it. Thread-safe, one per {@link PrimaryClient}.
 */
final class PrimaryTransport implements AutoCloseable {
    private static final int MAX_REDIRECTS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(PrimaryTransport.class);

    private final PrimaryConfig config;
    private final HttpClient http;
    private final RegistryAuth auth;

    private PrimaryTransport(PrimaryConfig config, HttpClient http, RegistryAuth auth) {
        this.config = config;
        this.http = http;
        this.auth = auth;
    }

    /** A transport for a validated configuration, through {@code egress}; no connection is made yet. */
    static PrimaryTransport create(PrimaryConfig config, PrimaryEgress egress) {
        // Redirects are followed by hand: a redirect to another host must not carry Authorization.
        // Cleartext primaries get HTTP/1.1: HTTP/2 over cleartext would mean an h2c Upgrade offer on
        // requests, which registries (distribution) ignore. Over TLS, ALPN picks the version.
        HttpClient http = egress.configure(HttpClient.newBuilder())
                .version(
                        "http".equalsIgnoreCase(config.url().getScheme())
                                ? HttpClient.Version.HTTP_1_1
                                : HttpClient.Version.HTTP_2)
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        RegistryAuth auth = new RegistryAuth(
                http, config.username(), config.resolvedPassword(), config.requestTimeout(), Clock.systemUTC());
        return new PrimaryTransport(config, http, auth);
    }

    PrimaryConfig config() {
        return config;
    }

    URI uri(String pathAndQuery) {
        return URI.create(config.baseUrl() + pathAndQuery);
    }

    static String pullScope(RepositoryName repository) {
        return "repository:" + repository + ":pull";
    }

    /** A body-less request with credentials for {@code scope}; a 401 is answered and the request repeated once. */
    HttpResponse<InputStream> send(String method, URI target, String scope, String accept, String what) {
        boolean answered = false;
        while (true) {
            HttpRequest.Builder b = HttpRequest.newBuilder(target)
                    .timeout(config.requestTimeout())
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .header("User-Agent", PrimaryClient.USER_AGENT);
            if (accept != null) {
                b.header("Accept", accept);
            }
            auth.authorizationFor(scope).ifPresent(h -> b.header("Authorization", h));
            HttpResponse<InputStream> r = sendPlain(b.build(), what);
            if (r.statusCode() != 401 || answered) {
                return r;
            }
            discard(r);
            answered = true;
            if (!auth.answer(r.headers().firstValue("WWW-Authenticate").orElse(null), scope)) {
                return r;
            }
        }
    }

    /**
     * A GET with the configured credentials sent as HTTP basic auth up front, for APIs beside the
     * registry's that take no registry token (Harbor's {@code /api/v2.0}); anonymous without credentials.
     */
    HttpResponse<InputStream> sendWithBasic(URI target, String accept, String what) {
        HttpRequest.Builder b = HttpRequest.newBuilder(target)
                .timeout(config.requestTimeout())
                .GET()
                .header("User-Agent", PrimaryClient.USER_AGENT)
                .header("Accept", accept);
        auth.basicHeader().ifPresent(h -> b.header("Authorization", h));
        return sendPlain(b.build(), what);
    }

    /**
     * A GET that follows redirects (e.g. to pre-signed object storage); the Authorization header
     * goes only to the primary's own origin, never to the redirect target.
     */
    HttpResponse<InputStream> getFollowingRedirects(URI target, String scope, String what) {
        HttpResponse<InputStream> r = send("GET", target, scope, null, what);
        for (int hop = 0; isRedirect(r.statusCode()); hop++) {
            discard(r);
            if (hop >= MAX_REDIRECTS) {
                throw new PrimaryException(
                        what + ": more than " + MAX_REDIRECTS + " redirects", r.statusCode(), false, null);
            }
            String location = r.headers()
                    .firstValue("Location")
                    .orElseThrow(() -> new PrimaryException(what + ": redirect without Location", 0, true, null));
            URI next = r.uri().resolve(location);
            r = sameOrigin(next, config.url())
                    ? send("GET", next, scope, null, what)
                    : sendPlain(
                            HttpRequest.newBuilder(next)
                                    .timeout(config.requestTimeout())
                                    .GET()
                                    .build(),
                            what);
        }
        return r;
    }

    private HttpResponse<InputStream> sendPlain(HttpRequest request, String what) {
        try {
            HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() == 407) {
                // The forward proxy's answer, not the primary's (for a tunnel the JDK gives it
                // without a body): no caller can make anything of it, so it fails here, naming the keys.
                discard(r);
                throw PrimaryException.forStatus(what, 407);
            }
            return r;
        } catch (IOException e) {
            throw PrimaryException.unreachable(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PrimaryException.unreachable(what, e);
        }
    }

    static void requireOk(HttpResponse<InputStream> r, String what) {
        if (r.statusCode() != 200) {
            discard(r);
            throw PrimaryException.forStatus(what, r.statusCode());
        }
    }

    static byte[] readLimited(HttpResponse<InputStream> r, int limit, String what) {
        try (InputStream in = r.body()) {
            byte[] content = in.readNBytes(limit + 1);
            if (content.length > limit) {
                throw new PrimaryContentException(what + ": answer is larger than " + limit + " bytes");
            }
            return content;
        } catch (IOException e) {
            throw PrimaryException.unreachable(what, e);
        }
    }

    /** Closes an answer's body we do not read, so the connection can be reused or released. */
    static void discard(HttpResponse<InputStream> r) {
        if (r.body() == null) {
            return; // a proxy's answer to CONNECT has none
        }
        try (InputStream in = r.body()) {
            in.skip(Long.MAX_VALUE);
        } catch (IOException e) {
            // The body is unwanted; a broken connection here changes nothing for the caller, who
            // only looks at the status, and the client drops the connection itself.
            LOG.debug("discarding an answer body failed", e);
        }
    }

    static Digest parseDigestHeader(String value) {
        try {
            return Digest.parse(value.strip());
        } catch (OciException e) {
            throw new PrimaryContentException("primary sent an invalid Docker-Content-Digest " + value);
        }
    }

    static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme())
                && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
    }

    @Override
    public void close() {
        http.close();
    }
}
