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
 */
public record Fence(
        long id,
        String repository,
        Kind kind,
        String target,
        String digest,
        boolean present,
        String descriptor,
        Instant createdAt,
        Instant expiresAt) {

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
            String repository, Kind kind, String target, String digest, boolean present, String descriptor) {

        public static Write tagPushed(String repository, String tag, String digest) {
            return new Write(repository, Kind.TAG, tag, digest, true, null);
        }

        public static Write tagDeleted(String repository, String tag) {
            return new Write(repository, Kind.TAG, tag, null, false, null);
        }

        public static Write manifestPushed(String repository, String digest) {
            return new Write(repository, Kind.MANIFEST, digest, digest, true, null);
        }

        public static Write manifestDeleted(String repository, String digest) {
            return new Write(repository, Kind.MANIFEST, digest, digest, false, null);
        }

        public static Write blobDeleted(String repository, String digest) {
            return new Write(repository, Kind.BLOB, digest, digest, false, null);
        }

        public static Write referrerPushed(String repository, String subject, String digest, String descriptor) {
            return new Write(repository, Kind.REFERRER, subject, digest, true, descriptor);
        }
    }
}
