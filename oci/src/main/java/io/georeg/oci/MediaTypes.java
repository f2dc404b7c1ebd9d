package io.georeg.oci;

import java.util.Set;
import java.util.regex.Pattern;

/** Media types of the OCI image spec and Docker's schema 2 that georeg stores and serves. */
public final class MediaTypes {
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public static final String OCTET_STREAM = "application/octet-stream";

    public static final Set<String> INDEXES = Set.of(OCI_INDEX, DOCKER_MANIFEST_LIST);
    public static final Set<String> MANIFESTS = Set.of(OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX, DOCKER_MANIFEST_LIST);

    /**
     * An {@code Accept} value naming every manifest type georeg stores, OCI first (distribution
     * picks the first it can serve). Asking with it gets what a registry stores under a tag, never
     * a representation converted for an older client (distribution 2.8 answers a client that does
     * not accept manifest lists with the list's linux/amd64 child).
     */
    public static final String ACCEPT_EVERY_MANIFEST =
            String.join(", ", OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST);

    /** RFC 6838 section 4.2: {@code type "/" subtype}, each a restricted-name of at most 127 characters. */
    private static final Pattern MEDIA_TYPE =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}");

    private MediaTypes() {}

    /** Whether {@code value} is a media type without parameters (what an artifactType is). */
    public static boolean isValid(String value) {
        return value != null && MEDIA_TYPE.matcher(value).matches();
    }

    public static boolean isIndex(String mediaType) {
        return INDEXES.contains(mediaType);
    }
}
