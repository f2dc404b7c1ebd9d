package io.georeg.read.api;

import io.georeg.oci.Digest;
import io.georeg.oci.ErrorCode;
import io.georeg.oci.OciException;
import io.georeg.oci.PathGrammar;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A request path of the OCI distribution API, classified. Repository names contain slashes, so
 * a path is parsed from the right: the last segment is the reference or digest, the one before
 * it says which endpoint ({@code manifests}, {@code blobs}, {@code referrers}), and
 * {@code /tags/list} is matched as a suffix; everything in between is the name, validated with
 * {@link RepositoryName}.
 *
 * <p>The parse works on the raw (still percent-encoded) path. Paths that
 * {@link PathGrammar#ambiguity} refuses (dot segments, empty segments, backslashes, encoded
 * separators, {@code %25}) and over-long ones are refused with {@code NAME_INVALID} before
 * anything else, so that no encoding trick can make a name mean something other than what the
 * bytes say. Called by
 * {@link RegistryResource} for every request and by the server's path guard.
 */
public sealed interface OciPath {

    /** {@code /v2/}: the API version check. */
    record Base() implements OciPath {}

    /** {@code /v2/_catalog}. */
    record Catalog() implements OciPath {}

    record Manifest(RepositoryName name, Reference reference) implements OciPath {}

    record Blob(RepositoryName name, Digest digest) implements OciPath {}

    record TagsList(RepositoryName name) implements OciPath {}

    record Referrers(RepositoryName name, Digest subject) implements OciPath {}

    /** {@code /v2/<name>/blobs/uploads/...}: the push side, which a read replica never serves. */
    record Upload(RepositoryName name) implements OciPath {}

    /** Under {@code /v2/} but no endpoint of the distribution API. */
    record Unknown(String rawPath) implements OciPath {}

    String PREFIX = "/v2";

    /**
     * Classifies a raw request path (starting with {@code /v2}).
     *
     * @throws OciException NAME_INVALID for traversal, encoded separators or an invalid name;
     *     DIGEST_INVALID / TAG_INVALID for a bad reference
     */
    static OciPath parse(String rawPath) {
        if (rawPath.equals("/v2") || rawPath.equals("/v2/")) {
            return new Base();
        }
        if (!rawPath.startsWith("/v2/")) {
            return new Unknown(rawPath);
        }
        rejectAmbiguous(rawPath);
        String rest = rawPath.substring(4);
        if (rest.equals("_catalog")) {
            return new Catalog();
        }
        if (rest.endsWith("/tags/list")) {
            return new TagsList(name(rest.substring(0, rest.length() - "/tags/list".length())));
        }
        if (rest.endsWith("/blobs/uploads/") || rest.endsWith("/blobs/uploads")) {
            return new Upload(name(rest.substring(0, rest.lastIndexOf("/blobs/uploads"))));
        }
        int lastSlash = rest.lastIndexOf('/');
        if (lastSlash <= 0) {
            return new Unknown(rawPath);
        }
        String last = rest.substring(lastSlash + 1);
        String head = rest.substring(0, lastSlash);
        int kindSlash = head.lastIndexOf('/');
        if (kindSlash <= 0) {
            return new Unknown(rawPath);
        }
        String kind = head.substring(kindSlash + 1);
        String namePart = head.substring(0, kindSlash);
        return switch (kind) {
            case "manifests" -> {
                RepositoryName name = name(namePart);
                yield new Manifest(name, Reference.parse(decode(last)));
            }
            case "blobs" -> {
                RepositoryName name = name(namePart);
                yield new Blob(name, Digest.parse(decode(last)));
            }
            case "referrers" -> {
                RepositoryName name = name(namePart);
                yield new Referrers(name, Digest.parse(decode(last)));
            }
            case "uploads" ->
                namePart.endsWith("/blobs")
                        ? new Upload(name(namePart.substring(0, namePart.length() - "/blobs".length())))
                        : new Unknown(rawPath);
            default -> new Unknown(rawPath);
        };
    }

    /**
     * Refuses a raw path that is longer than any path of the API, or whose meaning depends on
     * how it is decoded or normalised ({@link PathGrammar#ambiguity}, the rule the router's route
     * table applies too). Jetty would otherwise normalise some of these away before the name is
     * seen, or answer a bare 400 (see {@code server.PathGuard}).
     */
    static void rejectAmbiguous(String rawPath) {
        String why = rawPath.length() > PathGrammar.MAX_PATH_LENGTH
                ? "path longer than " + PathGrammar.MAX_PATH_LENGTH + " characters"
                : PathGrammar.ambiguity(rawPath);
        if (why != null) {
            throw new OciException(
                    ErrorCode.NAME_INVALID,
                    "invalid repository path: " + why,
                    Map.of("path", rawPath.length() > 300 ? rawPath.substring(0, 300) + "..." : rawPath));
        }
    }

    private static RepositoryName name(String raw) {
        return RepositoryName.of(raw);
    }

    private static String decode(String segment) {
        if (segment.indexOf('%') < 0 && segment.indexOf('+') < 0) {
            return segment;
        }
        try {
            // A colon may arrive as %3A from clients that escape it; '+' stays a plus in a path.
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new OciException(
                    ErrorCode.NAME_INVALID, "invalid percent-encoding in path", Map.of("segment", segment), e);
        }
    }
}
