package io.georeg.router.fence;

import java.time.Instant;
import java.util.Locale;

/**
 * One read-your-writes fence: what one write through the router left at one target of a
 * repository (migration V7 of {@code router_fences}). Until the replica shows the same state the
 * reads it concerns ({@link FencedRead#isPinnedBy}) are answered from the primary, or, for the
 * referrers API, corrected with it.
 *
 * @param target     the tag ({@link Kind#TAG}), the digest ({@link Kind#MANIFEST}, {@link Kind#BLOB})
 *                   or the subject's digest ({@link Kind#REFERRER})
 * @param digest     the manifest now under the tag (null: tag deleted), the manifest or blob, or the referrer
 * @param present    whether the write left the target there (push) or took it away (delete)
 * @param descriptor for a referrer pushed: the descriptor (JSON) the referrers API lists for it
 * @param replicaDeleteGeneration for a manifest or blob deleted: the replica's delete generation
 *                   (migration V13) read before the delete went to the primary — the fence stands
 *                   until the replica holds a newer tombstone of the target (0: any; other writes: 0)
 * @param shownAt    when a replica first showed the write (the database's clock), null until then
 *                   ({@link FenceStore#clearShown}: the fence then settles, and no replica check
 *                   can change that)
 */
public record Fence(
        long id,
        String repository,
        Kind kind,
        String target,
        String digest,
        boolean present,
        String descriptor,
        long replicaDeleteGeneration,
        Instant createdAt,
        Instant expiresAt,
        Instant shownAt) {

    /** What a fence is about. */
    public enum Kind {
        TAG,
        MANIFEST,
        BLOB,
        REFERRER;

        /** The value in {@code router_fences.kind}. */
        public String column() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Kind ofColumn(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    /** A fence as a write asks for it, before the table gives it an id and times. */
    public record Write(
            String repository,
            Kind kind,
            String target,
            String digest,
            boolean present,
            String descriptor,
            long replicaDeleteGeneration) {

        public static Write tagPushed(String repository, String tag, String digest) {
            return new Write(repository, Kind.TAG, tag, digest, true, null, 0);
        }

        /** @param replicaDeleteGeneration the replica's delete generation before the delete went to the primary */
        public static Write tagDeleted(String repository, String tag, long replicaDeleteGeneration) {
            return new Write(repository, Kind.TAG, tag, null, false, null, replicaDeleteGeneration);
        }

        public static Write manifestPushed(String repository, String digest) {
            return new Write(repository, Kind.MANIFEST, digest, digest, true, null, 0);
        }

        /** @param replicaDeleteGeneration the replica's delete generation before the delete went to the primary */
        public static Write manifestDeleted(String repository, String digest, long replicaDeleteGeneration) {
            return new Write(repository, Kind.MANIFEST, digest, digest, false, null, replicaDeleteGeneration);
        }

        /** @param replicaDeleteGeneration the replica's delete generation before the delete went to the primary */
        public static Write blobDeleted(String repository, String digest, long replicaDeleteGeneration) {
            return new Write(repository, Kind.BLOB, digest, digest, false, null, replicaDeleteGeneration);
        }

        public static Write referrerPushed(String repository, String subject, String digest, String descriptor) {
            return new Write(repository, Kind.REFERRER, subject, digest, true, descriptor, 0);
        }
    }
}
