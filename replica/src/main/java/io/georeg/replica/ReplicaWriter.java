package io.georeg.replica;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * The write side of the replica: the one way content gets into it. The replicator writes through
 * it; test loaders do too. Every operation is safe to repeat, and the order rules of a registry
 * hold: blobs before the manifest that needs them, children before the index, the tag last. A
 * manifest whose references are not all stored is refused ({@link MissingReferencesException}),
 * so readers never see a manifest they cannot pull.
 */
public interface ReplicaWriter {

    /**
     * The replica's delete generation now: every manifest delete and blob unlink counts one, and
     * leaves a tombstone with it. A copy reads it before it reads the primary, then stores through
     * {@link #refusingDeletesAfter} with it.
     */
    long deleteGeneration();

    /**
     * This writer, except that {@link #putManifest}, {@link #putBlob} and {@link #linkBlob} refuse
     * ({@link DeletedSinceException}, nothing stored) a manifest or blob of a repository whose
     * delete the replica applied after {@code generation} — checked under a lock on the same key
     * that the delete takes, in the transaction that stores. A copy that read the primary before
     * a delete there can then not bring the deleted content back after the delete reached the
     * replica.
     */
    ReplicaWriter refusingDeletesAfter(long generation);

    /** True when the blob's bytes are stored (for any repository). */
    boolean hasBlob(Digest digest);

    /**
     * Streams a blob into storage, verifying its digest (and size when known), and links it to the
     * repository. Already stored: links it without reading the stream.
     *
     * @param size the size the primary declared, or -1
     * @return true when bytes were written, false when the blob was already stored (dedup)
     */
    boolean putBlob(RepositoryName repository, Digest digest, long size, InputStream content);

    /**
     * Links a blob that is already stored (for another repository) to this one, without copying.
     *
     * @return false when the blob is not stored anywhere
     */
    boolean linkBlob(RepositoryName repository, Digest digest);

    /** What {@link #linkStoredBlob} found: the blob linked, not stored, or stored but lost. */
    enum BlobLink {
        /** Stored, and now linked to the repository. */
        LINKED,
        /** Not stored anywhere: copy it. */
        ABSENT,
        /** The verifier found its bytes missing or corrupt: copy it anew (nothing linked). */
        LOST
    }

    /**
     * {@link #linkBlob}, telling a blob that is not stored from one that is lost, so that a copy
     * that follows can hand the answer to {@link #putBlob(RepositoryName, Digest, long, InputStream,
     * BlobLink)} instead of having the blob's state read again.
     */
    BlobLink linkStoredBlob(RepositoryName repository, Digest digest);

    /**
     * {@link #putBlob(RepositoryName, Digest, long, InputStream)} for a caller whose
     * {@link #linkStoredBlob} of the same blob answered {@code found} (not {@link BlobLink#LINKED})
     * just before: the blob's state is not read again. A blob stored meanwhile (another process)
     * is found in storage and not written again (false), as with putBlob.
     */
    boolean putBlob(RepositoryName repository, Digest digest, long size, InputStream content, BlobLink found);

    /**
     * Stores a manifest's raw bytes and its references (blobs, index children, subject) and makes
     * it visible in the repository. The digest is computed from the bytes and checked against
     * {@code expected} when given.
     *
     * @return the manifest's digest
     * @throws MissingReferencesException when a referenced blob or child manifest is not stored
     *     in this repository yet; nothing is written
     */
    Digest putManifest(RepositoryName repository, byte[] content, String mediaType, Digest expected);

    /** Points a tag at a stored manifest (creating or moving it). */
    void tag(RepositoryName repository, Tag tag, Digest manifest);

    /**
     * The manifest the repository's tag points at now, read from the tracking database itself
     * (never a cache): a tag sync that finds the primary's answer already in place has nothing to
     * write. A tag names only a stored manifest (the database's foreign key).
     */
    Optional<Digest> taggedManifest(RepositoryName repository, Tag tag);

    /** Removes a tag; absent is fine. */
    void untag(RepositoryName repository, Tag tag);

    /**
     * Deletes a manifest from the repository with every tag pointing at it, leaving a tombstone
     * (see {@link #deleteGeneration}); absent is fine.
     *
     * @return the tags that pointed at it and are gone with it
     */
    List<Tag> deleteManifest(RepositoryName repository, Digest manifest);

    /**
     * Unlinks a blob from the repository (the bytes stay while other repositories use them), leaving
     * a tombstone (see {@link #deleteGeneration}); absent is fine.
     */
    void unlinkBlob(RepositoryName repository, Digest digest);
}
