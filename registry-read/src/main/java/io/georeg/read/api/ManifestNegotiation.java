package io.georeg.read.api;

import io.georeg.oci.Descriptor;
import io.georeg.oci.ErrorCode;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.OciException;
import io.georeg.oci.ParsedManifest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.replica.ReplicaReader;
import io.georeg.replica.ReplicaReader.StoredManifest;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which stored manifest answers a manifest read, given the client's {@code Accept}. The replica
 * stores what the primary stores under a tag (a manifest list stays a list); what a client gets
 * mirrors distribution 2.8 ({@code registry/handlers/manifests.go}): a Docker manifest list read
 * <em>by tag</em> by a client whose {@code Accept} names types but not manifest lists (old docker
 * clients, many scripts) is answered with the list's linux/amd64 child, under the child's digest;
 * read by digest, the list itself is the answer (a digest names those bytes). Everything else is
 * {@link ManifestAccept}'s check of the stored type.
 *
 * <p>Where distribution would convert further (a schema 2 manifest to schema 1 for a client that
 * takes neither) or the child is not replicated yet, the replica answers 404
 * {@code MANIFEST_UNKNOWN}, which the router takes for a miss and answers from the primary.
 */
final class ManifestNegotiation {
    static final String DEFAULT_OS = "linux";
    static final String DEFAULT_ARCHITECTURE = "amd64";

    private ManifestNegotiation() {}

    static StoredManifest answer(
            ReplicaReader replica,
            RepositoryName name,
            Reference reference,
            StoredManifest stored,
            List<String> accept) {
        if (reference instanceof Reference.ByTag
                && MediaTypes.DOCKER_MANIFEST_LIST.equals(stored.mediaType())
                && names(accept)
                && !admits(accept, MediaTypes.DOCKER_MANIFEST_LIST)) {
            StoredManifest child = defaultPlatformChild(replica, name, stored);
            ManifestAccept.check(Collections.enumeration(accept), child.mediaType());
            return child;
        }
        ManifestAccept.check(Collections.enumeration(accept), stored.mediaType());
        return stored;
    }

    private static StoredManifest defaultPlatformChild(
            ReplicaReader replica, RepositoryName name, StoredManifest list) {
        ParsedManifest parsed = ManifestParser.parse(list.content(), list.mediaType());
        Optional<Descriptor> child = parsed.children().stream()
                .filter(d -> d.platform() != null
                        && DEFAULT_OS.equals(d.platform().os())
                        && DEFAULT_ARCHITECTURE.equals(d.platform().architecture()))
                .findFirst();
        if (child.isEmpty()) {
            throw new OciException(
                    ErrorCode.MANIFEST_UNKNOWN,
                    "manifest list has no linux/amd64 manifest for a client that does not accept lists",
                    Map.of("digest", list.digest().toString()));
        }
        return replica.manifest(name, new Reference.ByDigest(child.get().digest()))
                .orElseThrow(() ->
                        OciException.manifestUnknown(name, child.get().digest().toString()));
    }

    private static boolean names(List<String> accept) {
        return accept.stream().anyMatch(a -> a != null && !a.isBlank());
    }

    private static boolean admits(List<String> accept, String type) {
        return accept.stream().anyMatch(a -> a != null && ManifestAccept.admits(a, type));
    }
}
