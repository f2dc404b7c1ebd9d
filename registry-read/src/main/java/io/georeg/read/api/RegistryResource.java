package io.georeg.read.api;

import io.georeg.oci.ErrorCode;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.OciException;
import io.georeg.oci.ReadEndpoint;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.read.ReadOptions;
import io.georeg.read.auth.Authenticator;
import io.georeg.replica.ReplicaReader;
import io.georeg.token.AccessRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.OPTIONS;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpException;

/**
 * The pull and content-discovery API of the OCI distribution spec, over a {@link ReplicaReader}.
 * One catch-all resource: repository names contain slashes, so the path is classified by
 * {@link OciPath} rather than by Jersey templates. Every handler authorizes first (through the
 * {@link Authenticator}), then asks the replica; misses become the spec's error codes. Manifest
 * and blob GETs and HEADs never reach it: {@link DirectReads} serves them in front of Jersey. Writes
 * on any path answer 405 {@code UNSUPPORTED}: this is a read replica. Which methods each endpoint
 * serves is {@link ReadEndpoint}'s, as in the router's route table: others are 405 with
 * {@code Allow}, and {@code OPTIONS} lists them.
 *
 * <p>Registered as a singleton by {@code server.ReadResourceConfig}; it holds no per-request
 * state.
 */
@Path("/")
public final class RegistryResource {
    private static final byte[] EMPTY_OBJECT = "{}".getBytes(StandardCharsets.UTF_8);
    private static final String JSON = "application/json";

    private final ReplicaReader replica;
    private final Authenticator auth;
    private final ReadOptions options;

    public RegistryResource(ReplicaReader replica, Authenticator auth, ReadOptions options) {
        this.replica = replica;
        this.auth = auth;
        this.options = options;
    }

    @GET
    @Path("{any: .*}")
    public Response get(@Context HttpServletRequest request) {
        return serve(request);
    }

    @HEAD
    @Path("{any: .*}")
    public Response head(@Context HttpServletRequest request) {
        return serve(request);
    }

    @POST
    @Path("{any: .*}")
    public Response post(@Context HttpServletRequest request) {
        throw readOnly(request);
    }

    @PUT
    @Path("{any: .*}")
    public Response put(@Context HttpServletRequest request) {
        throw readOnly(request);
    }

    @PATCH
    @Path("{any: .*}")
    public Response patch(@Context HttpServletRequest request) {
        throw readOnly(request);
    }

    @DELETE
    @Path("{any: .*}")
    public Response delete(@Context HttpServletRequest request) {
        throw readOnly(request);
    }

    /**
     * The methods this replica serves on the path, in {@code Allow}, as distribution answers
     * {@code OPTIONS} (200, no body) — never the write methods, which the primary serves (through
     * the router, {@code OPTIONS} is the primary's to answer). Jersey's own answer listed every
     * method of this resource. A path that is no endpoint gets the answer a {@code GET} gets.
     */
    @OPTIONS
    @Path("{any: .*}")
    public Response options(@Context HttpServletRequest request) {
        OciPath path = OciPath.parse(request.getRequestURI());
        if (path instanceof OciPath.Unknown) {
            return serve(request);
        }
        auth.authorize(request.getHeader("Authorization"), null);
        return Response.ok().header("Allow", allow(path)).build();
    }

    private Response serve(HttpServletRequest request) {
        OciPath path = OciPath.parse(request.getRequestURI());
        return switch (path) {
            case OciPath.Base b -> {
                admit(request, path, null);
                yield Response.ok(EMPTY_OBJECT)
                        .header("Content-Type", JSON)
                        .header("Content-Length", EMPTY_OBJECT.length)
                        .build();
            }
            // DirectReads, in front of Jersey, answers every GET and HEAD these paths parse to
            case OciPath.Manifest m -> throw servedInFront(m);
            case OciPath.Blob b -> throw servedInFront(b);
            case OciPath.TagsList t -> {
                admit(request, path, AccessRequest.pull(t.name()));
                yield tags(request, t.name());
            }
            case OciPath.Referrers r -> {
                admit(request, path, AccessRequest.pull(r.name()));
                yield referrers(request, r);
            }
            case OciPath.Catalog c -> {
                admit(request, path, AccessRequest.catalog());
                yield catalog(request);
            }
            case OciPath.Upload u -> throw readOnly(request);
            case OciPath.Unknown u ->
                throw new OciException(
                        ErrorCode.UNSUPPORTED,
                        "not an endpoint of the OCI distribution API's pull side",
                        Map.of("path", u.rawPath()));
        };
    }

    private Response tags(HttpServletRequest request, RepositoryName name) {
        Pagination page = Pagination.parse(
                Pagination.Listing.TAGS,
                parameter(request, "n", ErrorCode.TAG_INVALID),
                parameter(request, "last", ErrorCode.TAG_INVALID),
                options.maxPageSize());
        List<Tag> tags = page.n() == 0 ? List.of() : replica.tags(name, page.last(), page.n() + 1);
        if (tags.isEmpty() && !replica.repositoryExists(name)) {
            throw OciException.nameUnknown(name);
        }
        boolean more = tags.size() > page.n();
        if (more) {
            tags = tags.subList(0, page.n());
        }
        Response.ResponseBuilder r =
                Response.ok(JsonBodies.tagsList(name, tags)).header("Content-Type", JSON);
        if (more) {
            r.header(
                    "Link",
                    page.nextLink(
                            "/v2/" + name.value() + "/tags/list", tags.getLast().value()));
        }
        return r.build();
    }

    private Response catalog(HttpServletRequest request) {
        Pagination page = Pagination.parse(
                Pagination.Listing.CATALOG,
                parameter(request, "n", ErrorCode.NAME_INVALID),
                parameter(request, "last", ErrorCode.NAME_INVALID),
                options.maxPageSize());
        List<RepositoryName> repos = page.n() == 0 ? List.of() : replica.catalog(page.last(), page.n() + 1);
        boolean more = repos.size() > page.n();
        if (more) {
            repos = repos.subList(0, page.n());
        }
        Response.ResponseBuilder r = Response.ok(JsonBodies.catalog(repos)).header("Content-Type", JSON);
        if (more) {
            r.header("Link", page.nextLink("/v2/_catalog", repos.getLast().value()));
        }
        return r.build();
    }

    private Response referrers(HttpServletRequest request, OciPath.Referrers r) {
        String artifactType = parameter(request, "artifactType", ErrorCode.MANIFEST_INVALID);
        Optional<String> filter =
                artifactType == null || artifactType.isEmpty() ? Optional.empty() : Optional.of(artifactType);
        // Refused before the database sees it (a NUL byte fails there): no manifest can carry such a type.
        if (filter.isPresent() && !MediaTypes.isValid(artifactType)) {
            throw new OciException(
                    ErrorCode.MANIFEST_INVALID,
                    "invalid artifactType: it must be a media type (type/subtype)",
                    Map.of(
                            "artifactType",
                            artifactType.length() > 100 ? artifactType.substring(0, 100) : artifactType));
        }
        var referrers = replica.referrers(r.name(), r.subject(), filter);
        if (referrers.isEmpty() && !replica.repositoryExists(r.name())) {
            throw OciException.nameUnknown(r.name());
        }
        Response.ResponseBuilder b =
                Response.ok(JsonBodies.referrersIndex(referrers)).header("Content-Type", MediaTypes.OCI_INDEX);
        if (filter.isPresent()) {
            b.header("OCI-Filters-Applied", "artifactType");
        }
        return b.build();
    }

    /**
     * A query parameter; a query that is not valid percent-encoded UTF-8 (e.g. {@code last=%ff}),
     * which Jetty refuses to decode, is the client's error {@code unreadable} (400).
     */
    private static String parameter(HttpServletRequest request, String name, ErrorCode unreadable) {
        try {
            return request.getParameter(name);
        } catch (HttpException.RuntimeException | HttpException.IllegalArgumentException e) {
            // Jetty's 400 for the query (BadMessageException, deprecated in 12.1, is one of these)
            throw new OciException(
                    unreadable,
                    "invalid query: it is not valid percent-encoded UTF-8",
                    Map.of("query", String.valueOf(request.getQueryString())));
        }
    }

    private static IllegalStateException servedInFront(OciPath path) {
        return new IllegalStateException(path + " reached Jersey: DirectReads serves it");
    }

    /**
     * Authorizes the request for {@code access} (null: any client the authenticator lets in), then
     * refuses a method the endpoint of {@code path} does not serve as distribution does: 405, with
     * the methods it serves in {@code Allow} (RFC 9110 section 15.5.6). A {@code HEAD} of the tags
     * list or the catalog answered 200 here and 405 from the primary, so the one URL answered it
     * either way depending on whether the repository was replicated.
     */
    private void admit(HttpServletRequest request, OciPath path, AccessRequest access) {
        auth.authorize(request.getHeader("Authorization"), access);
        ReadEndpoint endpoint = endpointOf(path)
                .orElseThrow(() -> new IllegalStateException(path + " is no endpoint this replica serves"));
        if (!endpoint.methods().contains(request.getMethod())) {
            throw new OciHttpException(
                    ErrorCode.UNSUPPORTED,
                    request.getMethod() + " is not a method of this endpoint",
                    null,
                    "Allow",
                    endpoint.allow());
        }
    }

    /**
     * The endpoint {@code path} is, whose methods ({@link ReadEndpoint}) this replica serves on it,
     * and the router's route table sends it: none for an upload (the push side) or a path that is
     * no endpoint. The one mapping behind {@link #admit} and {@link #allow}.
     */
    private static Optional<ReadEndpoint> endpointOf(OciPath path) {
        return Optional.ofNullable(
                switch (path) {
                    case OciPath.Base b -> ReadEndpoint.BASE;
                    case OciPath.Catalog c -> ReadEndpoint.CATALOG;
                    case OciPath.Manifest m -> ReadEndpoint.MANIFEST;
                    case OciPath.Blob b -> ReadEndpoint.BLOB;
                    case OciPath.TagsList t -> ReadEndpoint.TAGS_LIST;
                    case OciPath.Referrers r -> ReadEndpoint.REFERRERS;
                    case OciPath.Upload u -> null;
                    case OciPath.Unknown u -> null;
                });
    }

    /** The methods served on {@code path}, for {@code Allow}: none on an upload or a path that is no endpoint. */
    private static String allow(OciPath path) {
        return endpointOf(path).map(ReadEndpoint::allow).orElse("");
    }

    /** A write: 405, with the methods the path serves here in {@code Allow} (a refused path: none). */
    private static OciException readOnly(HttpServletRequest request) {
        String allow;
        try {
            allow = allow(OciPath.parse(request.getRequestURI()));
        } catch (OciException refused) {
            allow = "";
        }
        return new OciHttpException(
                ErrorCode.UNSUPPORTED,
                "this registry is a read replica: pushes, deletes and uploads go to the primary registry",
                null,
                "Allow",
                allow);
    }
}
