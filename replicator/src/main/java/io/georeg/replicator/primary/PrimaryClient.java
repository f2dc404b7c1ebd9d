package io.georeg.replicator.primary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.OciException;
import io.georeg.oci.ParsedManifest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicator's view of the primary registry, through its registry API (OCI distribution spec)
 * with {@link HttpClient}: manifests (GET by digest or tag, HEAD), blobs as streams, catalog and
 * tags list with {@code Link} pagination, referrers. Authentication is {@link RegistryAuth}'s job.
 * Called by the copy workers and the reconcile crawl; thread-safe, one per replicator.
 *
 * <p>Manifest bytes are checked against their digest here, so nothing downstream sees a manifest
 * that does not match; blob bytes are checked by the replica while they stream.
 */
public final class PrimaryClient implements AutoCloseable {
    /** Every manifest type georeg stores, OCI first (distribution picks the first it can serve). */
    static final String MANIFEST_ACCEPT = String.join(", ", MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST,
            MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_MANIFEST);
    /**
     * The User-Agent of every request to the primary: it names the replicator in the primary's
     * logs, and it comes back in the primary's pull notifications, which the intake drops (the
     * replicator's own reads are not pulls by clients).
     */
    public static final String USER_AGENT = "georeg-replicator/1";
    private static final int MAX_REDIRECTS = 5;
    private static final int PAGE_SIZE = 1000;
    private static final String CATALOG_SCOPE = "registry:catalog:*";
    /** cosign's tag schema for registries without the referrers API. */
    private static final List<String> REFERRER_TAG_SUFFIXES = List.of(".sig", ".att", ".sbom");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(PrimaryClient.class);

    private final PrimaryConfig config;
    private final HttpClient http;
    private final RegistryAuth auth;
    private final ManifestHandoff handoff = new ManifestHandoff(Clock.systemUTC());

    private PrimaryClient(PrimaryConfig config, HttpClient http, RegistryAuth auth) {
        this.config = config;
        this.http = http;
        this.auth = auth;
    }

    /** Validates the configuration and builds a client; no connection is made yet. */
    public static PrimaryClient create(PrimaryConfig config) {
        config.validate();
        // Redirects are followed by hand: a redirect to another host must not carry Authorization.
        // Cleartext primaries get HTTP/1.1: HTTP/2 over cleartext would mean an h2c Upgrade offer on
        // requests, which registries (distribution) ignore. Over TLS, ALPN picks the version.
        HttpClient http = HttpClient.newBuilder()
                .version("http".equalsIgnoreCase(config.url().getScheme()) ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2)
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        RegistryAuth auth = new RegistryAuth(http, config.username(), config.resolvedPassword(), config.requestTimeout(),
                Clock.systemUTC());
        return new PrimaryClient(config, http, auth);
    }

    public PrimaryConfig config() {
        return config;
    }

    /** {@code GET /v2/}: true when the primary answers and our credentials (if any) are accepted. */
    public boolean ping() {
        HttpResponse<InputStream> r = send("GET", uri("/v2/"), CATALOG_SCOPE, null, "ping");
        discard(r);
        return r.statusCode() == 200;
    }

    /**
     * Fetches a manifest and checks its bytes: against the digest asked for, or for a tag against
     * the {@code Docker-Content-Digest} the primary answered with.
     *
     * @return empty when the primary does not have it (404)
     * @throws PrimaryContentException when the bytes do not match the digest or are not a manifest
     */
    public Optional<FetchedManifest> manifest(RepositoryName repository, Reference reference) {
        if (reference instanceof Reference.ByDigest byDigest) {
            Optional<FetchedManifest> prefetched = handoff.take(repository, byDigest.digest());
            if (prefetched.isPresent()) {
                return prefetched;
            }
        }
        return fetchManifest(repository, reference);
    }

    /**
     * Fetches a tag's manifest for a copy that follows shortly (the reconcile crawl, for a tag the
     * replica lacks): the caller gets its digest, and the next {@link #manifest} of that digest in
     * this repository is answered without asking the primary again (see {@link ManifestHandoff}).
     * Costs the primary what a HEAD costs (distribution reads the manifest for both).
     *
     * @return empty when the primary does not have the tag (404)
     * @throws PrimaryContentException when the bytes do not match the digest or are not a manifest
     */
    public Optional<FetchedManifest> prefetchForCopy(RepositoryName repository, Tag tag) {
        Optional<FetchedManifest> fetched = fetchManifest(repository, new Reference.ByTag(tag));
        fetched.ifPresent(m -> handoff.offer(repository, m));
        return fetched;
    }

    private Optional<FetchedManifest> fetchManifest(RepositoryName repository, Reference reference) {
        String what = "GET manifest " + repository + ":" + reference;
        HttpResponse<InputStream> r = send("GET", uri("/v2/" + repository + "/manifests/" + reference),
                pullScope(repository), MANIFEST_ACCEPT, what);
        if (r.statusCode() == 404) {
            discard(r);
            return Optional.empty();
        }
        requireOk(r, what);
        byte[] content = readLimited(r, ManifestParser.MAX_MANIFEST_BYTES, what);
        String mediaType = ManifestParser.stripParams(r.headers().firstValue("Content-Type").orElse(null));
        Optional<Digest> claimed = reference instanceof Reference.ByDigest d ? Optional.of(d.digest())
                : r.headers().firstValue("Docker-Content-Digest").map(PrimaryClient::parseDigestHeader);
        Digest expected = claimed.orElseGet(() -> Digest.sha256(content));
        Digest actual = expected.recompute(content);
        if (!actual.equals(expected)) {
            throw new PrimaryContentException(what + ": content does not match its digest " + expected + " (got " + actual + ")");
        }
        try {
            ParsedManifest parsed = ManifestParser.parse(content, mediaType);
            return Optional.of(new FetchedManifest(expected, parsed.mediaType(), content));
        } catch (OciException e) {
            throw new PrimaryContentException(what + ": not a valid manifest: " + e.getMessage());
        }
    }

    /** {@code HEAD} of a manifest: digest, media type, size; empty on 404. */
    public Optional<ManifestHead> headManifest(RepositoryName repository, Reference reference) {
        String what = "HEAD manifest " + repository + ":" + reference;
        HttpResponse<InputStream> r = send("HEAD", uri("/v2/" + repository + "/manifests/" + reference),
                pullScope(repository), MANIFEST_ACCEPT, what);
        discard(r);
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        requireOk(r, what);
        Digest digest = r.headers().firstValue("Docker-Content-Digest").map(PrimaryClient::parseDigestHeader)
                .orElseGet(() -> reference instanceof Reference.ByDigest d ? d.digest() : null);
        if (digest == null) {
            throw new PrimaryContentException(what + ": answer has no Docker-Content-Digest header");
        }
        return Optional.of(new ManifestHead(digest,
                ManifestParser.stripParams(r.headers().firstValue("Content-Type").orElse(null)),
                r.headers().firstValueAsLong("Content-Length").orElse(-1)));
    }

    /** {@code HEAD} of a blob in a repository: true when the primary has it linked there. */
    public boolean blobExists(RepositoryName repository, Digest digest) {
        String what = "HEAD blob " + repository + "@" + digest;
        HttpResponse<InputStream> r = send("HEAD", uri("/v2/" + repository + "/blobs/" + digest), pullScope(repository), null, what);
        discard(r);
        if (r.statusCode() == 404) {
            return false;
        }
        if (r.statusCode() / 100 == 3) {
            return true; // a redirect to storage: the registry has the blob
        }
        requireOk(r, what);
        return true;
    }

    /**
     * Opens a blob download, following redirects (e.g. to pre-signed object storage). The
     * Authorization header goes only to the primary's own origin, never to the redirect target.
     *
     * @return empty when the primary does not have the blob (404)
     */
    public Optional<BlobStream> openBlob(RepositoryName repository, Digest digest) {
        String what = "GET blob " + repository + "@" + digest;
        URI target = uri("/v2/" + repository + "/blobs/" + digest);
        HttpResponse<InputStream> r = send("GET", target, pullScope(repository), null, what);
        for (int hop = 0; isRedirect(r.statusCode()); hop++) {
            discard(r);
            if (hop >= MAX_REDIRECTS) {
                throw new PrimaryException(what + ": more than " + MAX_REDIRECTS + " redirects", r.statusCode(), false, null);
            }
            String location = r.headers().firstValue("Location").orElseThrow(() ->
                    new PrimaryException(what + ": redirect without Location", 0, true, null));
            target = r.uri().resolve(location);
            r = sameOrigin(target, config.url())
                    ? send("GET", target, pullScope(repository), null, what)
                    : sendPlain(HttpRequest.newBuilder(target).timeout(config.requestTimeout()).GET().build(), what);
        }
        if (r.statusCode() == 404) {
            discard(r);
            return Optional.empty();
        }
        requireOk(r, what);
        return Optional.of(new BlobStream(r.body(), r.headers().firstValueAsLong("Content-Length").orElse(-1)));
    }

    /** Every repository of the primary's catalog, page by page, in the primary's order. */
    public void forEachRepository(Consumer<RepositoryName> sink) {
        paginate(uri("/v2/_catalog?n=" + PAGE_SIZE), CATALOG_SCOPE, "repositories", name -> {
            if (RepositoryName.isValid(name)) {
                sink.accept(RepositoryName.of(name));
            }
        });
    }

    /** Every tag of a repository; empty when the repository is unknown to the primary. */
    public List<Tag> tags(RepositoryName repository) {
        List<Tag> tags = new ArrayList<>();
        paginate(uri("/v2/" + repository + "/tags/list?n=" + PAGE_SIZE), pullScope(repository), "tags", name -> {
            if (Tag.isValid(name)) {
                tags.add(Tag.of(name));
            }
        });
        return tags;
    }

    /**
     * Manifests that refer to {@code subject}: from the OCI referrers API when the primary has it,
     * else from cosign's tag schema ({@code sha256-<hex>.sig|.att|.sbom}).
     */
    public List<Referrer> referrers(RepositoryName repository, Digest subject) {
        return referrersApi(repository, subject).orElseGet(() -> referrersByTagSchema(repository, subject));
    }

    /** The OCI referrers API's answer; empty when the primary does not have the API (404, 405, 400). */
    public Optional<List<Referrer>> referrersApi(RepositoryName repository, Digest subject) {
        String what = "GET referrers " + repository + "@" + subject;
        HttpResponse<InputStream> r = send("GET", uri("/v2/" + repository + "/referrers/" + subject),
                pullScope(repository), MediaTypes.OCI_INDEX, what);
        if (r.statusCode() == 200) {
            byte[] body = readLimited(r, ManifestParser.MAX_MANIFEST_BYTES, what);
            try {
                ParsedManifest index = ManifestParser.parse(body, MediaTypes.OCI_INDEX);
                return Optional.of(index.children().stream()
                        .map((Descriptor d) -> new Referrer(d.digest(), d.mediaType(), Optional.empty()))
                        .toList());
            } catch (OciException e) {
                throw new PrimaryContentException(what + ": referrers answer is not an image index: " + e.getMessage());
            }
        }
        discard(r);
        if (r.statusCode() != 404 && r.statusCode() != 405 && r.statusCode() != 400) {
            requireOk(r, what);
        }
        return Optional.empty();
    }

    /** cosign's tag schema: {@code sha256-<hex>.sig|.att|.sbom} tags of the repository, resolved to digests. */
    public List<Referrer> referrersByTagSchema(RepositoryName repository, Digest subject) {
        String prefix = subject.algorithm().prefix() + "-" + subject.hex();
        List<Referrer> found = new ArrayList<>();
        for (Tag tag : tags(repository)) {
            String name = tag.value();
            if (name.startsWith(prefix) && REFERRER_TAG_SUFFIXES.contains(name.substring(prefix.length()))) {
                headManifest(repository, new Reference.ByTag(tag))
                        .ifPresent(h -> found.add(new Referrer(h.digest(), h.mediaType(), Optional.of(tag))));
            }
        }
        return found;
    }

    @Override
    public void close() {
        http.close();
    }

    private void paginate(URI first, String scope, String field, Consumer<String> sink) {
        URI next = first;
        while (next != null) {
            String what = "GET " + next.getRawPath();
            HttpResponse<InputStream> r = send("GET", next, scope, "application/json", what);
            if (r.statusCode() == 404) {
                discard(r);
                return;
            }
            requireOk(r, what);
            byte[] body = readLimited(r, 64 * 1024 * 1024, what);
            try {
                JsonNode items = JSON.readTree(body).path(field);
                items.forEach(n -> sink.accept(n.asText()));
            } catch (IOException e) {
                throw new PrimaryContentException(what + ": answer is not JSON: " + e.getMessage());
            }
            next = LinkHeader.next(r.headers().allValues("Link")).map(r.uri()::resolve).orElse(null);
        }
    }

    private HttpResponse<InputStream> send(String method, URI target, String scope, String accept, String what) {
        boolean answered = false;
        while (true) {
            HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(config.requestTimeout())
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .header("User-Agent", USER_AGENT);
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

    private HttpResponse<InputStream> sendPlain(HttpRequest request, String what) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw PrimaryException.unreachable(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PrimaryException.unreachable(what, e);
        }
    }

    private static void requireOk(HttpResponse<InputStream> r, String what) {
        if (r.statusCode() != 200) {
            discard(r);
            throw PrimaryException.forStatus(what, r.statusCode());
        }
    }

    private static byte[] readLimited(HttpResponse<InputStream> r, int limit, String what) {
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
    private static void discard(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            in.skip(Long.MAX_VALUE);
        } catch (IOException e) {
            // The body is unwanted; a broken connection here changes nothing for the caller, who
            // only looks at the status, and the client drops the connection itself.
            LOG.debug("discarding an answer body failed", e);
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
    }

    private static Digest parseDigestHeader(String value) {
        try {
            return Digest.parse(value.strip());
        } catch (OciException e) {
            throw new PrimaryContentException("primary sent an invalid Docker-Content-Digest " + value);
        }
    }

    private static String pullScope(RepositoryName repository) {
        return "repository:" + repository + ":pull";
    }

    private URI uri(String pathAndQuery) {
        return URI.create(config.baseUrl() + pathAndQuery);
    }
}
