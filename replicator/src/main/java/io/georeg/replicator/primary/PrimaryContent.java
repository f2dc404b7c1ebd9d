package io.georeg.replicator.primary;

import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.OciException;
import io.georeg.oci.ParsedManifest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The primary's content: manifests (GET by digest or tag, HEAD), blobs as streams, referrers.
 * Called by the copy workers, the reconcile crawl and the failover drill; thread-safe, one per
 * {@link PrimaryClient}.
 *
 * <p>Manifest bytes are checked against their digest here, so nothing downstream sees a manifest
 * that does not match; blob bytes are checked by the replica while they stream. Manifests are
 * always asked for with every manifest type georeg stores in {@code Accept}, so a tag's answer
 * is what the primary stores for it, never a representation converted for an older client.
 */
public final class PrimaryContent {
    static final String MANIFEST_ACCEPT = MediaTypes.ACCEPT_EVERY_MANIFEST;
    /** cosign's tag schema for registries without the referrers API. */
    private static final List<String> REFERRER_TAG_SUFFIXES = List.of(".sig", ".att", ".sbom");

    private final PrimaryTransport transport;
    private final PrimaryCatalog catalog;

    PrimaryContent(PrimaryTransport transport, PrimaryCatalog catalog) {
        this.transport = transport;
        this.catalog = catalog;
    }

    /**
     * One request of the distribution API's pull side about {@code repository}'s {@code object}
     * ({@code manifests/<reference>}, {@code blobs/<digest>}, {@code referrers/<digest>}) at
     * {@code /v2/<name>/<object>}, with the repository's pull token; {@code what} names it in errors.
     */
    private HttpResponse<InputStream> pull(
            String method, RepositoryName repository, String object, String accept, String what) {
        return transport.send(
                method,
                transport.uri("/v2/" + repository + "/" + object),
                PrimaryTransport.pullScope(repository),
                accept,
                what);
    }

    /**
     * Fetches a manifest and checks its bytes: against the digest asked for, or for a tag against
     * the {@code Docker-Content-Digest} the primary answered with.
     *
     * @return empty when the primary does not have it (404)
     * @throws PrimaryContentException when the bytes do not match the digest or are not a manifest
     */
    public Optional<FetchedManifest> manifest(RepositoryName repository, Reference reference) {
        String what = "GET manifest " + repository + ":" + reference;
        HttpResponse<InputStream> r = pull("GET", repository, "manifests/" + reference, MANIFEST_ACCEPT, what);
        if (r.statusCode() == 404) {
            PrimaryTransport.discard(r);
            return Optional.empty();
        }
        PrimaryTransport.requireOk(r, what);
        byte[] content = PrimaryTransport.readLimited(r, ManifestParser.MAX_MANIFEST_BYTES, what);
        String mediaType = ManifestParser.stripParams(
                r.headers().firstValue("Content-Type").orElse(null));
        Optional<Digest> claimed = reference instanceof Reference.ByDigest d
                ? Optional.of(d.digest())
                : r.headers().firstValue("Docker-Content-Digest").map(PrimaryTransport::parseDigestHeader);
        Digest expected = claimed.orElseGet(() -> Digest.sha256(content));
        Digest actual = expected.recompute(content);
        if (!actual.equals(expected)) {
            throw new PrimaryContentException(
                    what + ": content does not match its digest " + expected + " (got " + actual + ")");
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
        HttpResponse<InputStream> r = pull("HEAD", repository, "manifests/" + reference, MANIFEST_ACCEPT, what);
        PrimaryTransport.discard(r);
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        PrimaryTransport.requireOk(r, what);
        Digest digest = r.headers()
                .firstValue("Docker-Content-Digest")
                .map(PrimaryTransport::parseDigestHeader)
                .orElseGet(() -> reference instanceof Reference.ByDigest d ? d.digest() : null);
        if (digest == null) {
            throw new PrimaryContentException(what + ": answer has no Docker-Content-Digest header");
        }
        return Optional.of(new ManifestHead(
                digest,
                ManifestParser.stripParams(
                        r.headers().firstValue("Content-Type").orElse(null)),
                r.headers().firstValueAsLong("Content-Length").orElse(-1)));
    }

    /** {@code HEAD} of a blob in a repository: true when the primary has it linked there. */
    public boolean blobExists(RepositoryName repository, Digest digest) {
        String what = "HEAD blob " + repository + "@" + digest;
        HttpResponse<InputStream> r = pull("HEAD", repository, "blobs/" + digest, null, what);
        PrimaryTransport.discard(r);
        if (r.statusCode() == 404) {
            return false;
        }
        if (r.statusCode() / 100 == 3) {
            return true; // a redirect to storage: the registry has the blob
        }
        PrimaryTransport.requireOk(r, what);
        return true;
    }

    /**
     * Opens a blob download, following redirects (e.g. to pre-signed object storage).
     *
     * @return empty when the primary does not have the blob (404)
     */
    public Optional<BlobStream> openBlob(RepositoryName repository, Digest digest) {
        String what = "GET blob " + repository + "@" + digest;
        HttpResponse<InputStream> r = transport.getFollowingRedirects(
                transport.uri("/v2/" + repository + "/blobs/" + digest), PrimaryTransport.pullScope(repository), what);
        if (r.statusCode() == 404) {
            PrimaryTransport.discard(r);
            return Optional.empty();
        }
        PrimaryTransport.requireOk(r, what);
        return Optional.of(new BlobStream(
                r.body(), r.headers().firstValueAsLong("Content-Length").orElse(-1)));
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
        HttpResponse<InputStream> r = pull("GET", repository, "referrers/" + subject, MediaTypes.OCI_INDEX, what);
        if (r.statusCode() == 200) {
            byte[] body = PrimaryTransport.readLimited(r, ManifestParser.MAX_MANIFEST_BYTES, what);
            try {
                ParsedManifest index = ManifestParser.parse(body, MediaTypes.OCI_INDEX);
                return Optional.of(index.children().stream()
                        .map((Descriptor d) -> new Referrer(d.digest(), d.mediaType(), Optional.empty()))
                        .toList());
            } catch (OciException e) {
                throw new PrimaryContentException(what + ": referrers answer is not an image index: " + e.getMessage());
            }
        }
        PrimaryTransport.discard(r);
        if (r.statusCode() != 404 && r.statusCode() != 405 && r.statusCode() != 400) {
            PrimaryTransport.requireOk(r, what);
        }
        return Optional.empty();
    }

    /** cosign's tag schema: {@code sha256-<hex>.sig|.att|.sbom} tags of the repository, resolved to digests. */
    public List<Referrer> referrersByTagSchema(RepositoryName repository, Digest subject) {
        String prefix = subject.algorithm().prefix() + "-" + subject.hex();
        List<Referrer> found = new ArrayList<>();
        for (Tag tag : catalog.tags(repository)) {
            String name = tag.value();
            if (name.startsWith(prefix) && REFERRER_TAG_SUFFIXES.contains(name.substring(prefix.length()))) {
                headManifest(repository, new Reference.ByTag(tag))
                        .ifPresent(h -> found.add(new Referrer(h.digest(), h.mediaType(), Optional.of(tag))));
            }
        }
        return found;
    }
}
