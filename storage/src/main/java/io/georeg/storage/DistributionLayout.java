package io.georeg.storage;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;

/**
 * Paths of CNCF distribution's v2 storage layout (registry/storage/paths.go), so that a stock
 * registry pointed at the replica's storage serves every replicated image after a promotion.
 * The root is {@code docker/registry/v2}.
 */
public final class DistributionLayout {
    public static final String ROOT = "docker/registry/v2";

    private DistributionLayout() {}

    /** {@code blobs/<alg>/<hex[0:2]>/<hex>/data}: the bytes of a blob or manifest. */
    public static ObjectKey blobData(Digest d) {
        return ObjectKey.of(
                ROOT + "/blobs/" + d.algorithm().prefix() + "/" + d.hex().substring(0, 2) + "/" + d.hex() + "/data");
    }

    /** {@code repositories/<name>/_layers/<alg>/<hex>/link}: the blob belongs to the repository. */
    public static ObjectKey layerLink(RepositoryName repo, Digest d) {
        return ObjectKey.of(repoRoot(repo) + "/_layers/" + d.algorithm().prefix() + "/" + d.hex() + "/link");
    }

    /** {@code repositories/<name>/_manifests/revisions/<alg>/<hex>/link}. */
    public static ObjectKey manifestRevisionLink(RepositoryName repo, Digest d) {
        return ObjectKey.of(
                repoRoot(repo) + "/_manifests/revisions/" + d.algorithm().prefix() + "/" + d.hex() + "/link");
    }

    /** {@code repositories/<name>/_manifests/tags/<tag>/current/link}: where the tag points now. */
    public static ObjectKey tagCurrentLink(RepositoryName repo, Tag tag) {
        return ObjectKey.of(tagRoot(repo, tag) + "/current/link");
    }

    /** {@code repositories/<name>/_manifests/tags/<tag>/index/<alg>/<hex>/link}: the tag's history. */
    public static ObjectKey tagIndexLink(RepositoryName repo, Tag tag, Digest d) {
        return ObjectKey.of(tagRoot(repo, tag) + "/index/" + d.algorithm().prefix() + "/" + d.hex() + "/link");
    }

    /** {@code repositories/<name>/_manifests/tags/<tag>}: everything of one tag. */
    public static ObjectKey tagRoot(RepositoryName repo, Tag tag) {
        return ObjectKey.of(repoRoot(repo) + "/_manifests/tags/" + tag.value());
    }

    /** Where the temporary keys of streamed writes live (see {@link #upload}). */
    public static ObjectKey uploads() {
        return ObjectKey.of(ROOT + "/georeg-uploads");
    }

    /** Temporary keys for streamed writes: {@code docker/registry/v2/georeg-uploads/<id>}. */
    public static ObjectKey upload(String id) {
        return ObjectKey.of(uploads().value() + "/" + id);
    }

    /** The content of a link file: the digest as text, as distribution writes it. */
    public static byte[] linkContent(Digest d) {
        return d.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static String repoRoot(RepositoryName repo) {
        return ROOT + "/repositories/" + repo.value();
    }
}
