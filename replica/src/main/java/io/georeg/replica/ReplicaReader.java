package io.georeg.replica;

import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The read side of the replica: what registry-read serves, answered from the tracking database
 * (metadata, manifest bytes) and blob storage (blob bytes). Only visible content is returned: a
 * manifest is visible once everything it references is stored, a blob once it is linked to the
 * repository asked for.
 */
public interface ReplicaReader {

    boolean repositoryExists(RepositoryName repository);

    /** A manifest by tag or digest, with its raw bytes. */
    Optional<StoredManifest> manifest(RepositoryName repository, Reference reference);

    /** A blob's size when it is stored and linked to the repository. */
    Optional<Long> blobSize(RepositoryName repository, Digest digest);

    /** Opens a stored blob's bytes from {@code offset} for {@code length} (-1: to the end). */
    InputStream openBlob(Digest digest, long offset, long length);

    /**
     * Takes a blob out of serving because its stored bytes did not hash to its digest while they
     * were served: it is not visible again until the verifier has checked it (and, when its bytes
     * are bad, until it is copied again).
     *
     * @param evidence what the server saw, for the operator (e.g. the digest the bytes hashed to)
     */
    void quarantineBlob(Digest digest, String evidence);

    /** A pre-signed URL of the blob where the storage backend can make one and redirects are on. */
    Optional<URI> blobRedirect(Digest digest);

    /** Tags of a repository in lexical order, strictly after {@code last} (null: from the start), at most {@code limit}. */
    List<Tag> tags(RepositoryName repository, String last, int limit);

    /**
     * Tags of a repository with the manifest each points at, in lexical order, strictly after
     * {@code last} (null: from the start), at most {@code limit}: what the reconcile crawl compares
     * with the primary's tags. By default each tag of {@link #tags} is looked up; the database
     * reader answers a page in one query.
     */
    default List<TaggedDigest> taggedDigests(RepositoryName repository, String last, int limit) {
        List<TaggedDigest> tagged = new ArrayList<>();
        for (Tag tag : tags(repository, last, limit)) {
            manifest(repository, new Reference.ByTag(tag))
                    .ifPresent(m -> tagged.add(new TaggedDigest(tag, m.digest())));
        }
        return tagged;
    }

    /**
     * Manifests of a repository that no tag names and no stored index lists as a child, in digest
     * order, strictly after {@code last} (null: from the start), at most {@code limit}: pushed by
     * digest, or left behind when their tag moved on. The reconcile asks the primary for each,
     * since its garbage collector deletes them without a notification.
     */
    List<Digest> untaggedManifests(RepositoryName repository, String last, int limit);

    /** Repositories in lexical order, strictly after {@code last}, at most {@code limit}. */
    List<RepositoryName> catalog(String last, int limit);

    /**
     * Manifests whose {@code subject} is {@code subject} in the repository, as descriptors of the
     * OCI distribution spec's referrers response (mediaType, digest, size, artifactType,
     * annotations), optionally only those of {@code artifactType}.
     */
    List<Descriptor> referrers(RepositoryName repository, Digest subject, Optional<String> artifactType);

    /** A tag and the digest of the manifest it points at. */
    record TaggedDigest(Tag tag, Digest digest) {}

    /** A manifest as stored: raw bytes under its digest and media type. */
    record StoredManifest(Digest digest, String mediaType, byte[] content) {
        public long size() {
            return content.length;
        }
    }
}
