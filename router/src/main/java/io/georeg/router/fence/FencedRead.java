package io.georeg.router.fence;

import io.georeg.oci.Digest;

/**
 * A read that fences may concern, and which fences pin it to the primary. The rules, per write:
 * <ul>
 * <li>a tag pushed or deleted pins reads of that tag and the repository's tags list;</li>
 * <li>a manifest pushed (by tag or digest) pins reads of its digest;</li>
 * <li>a manifest deleted pins reads of its digest, and — the tags that pointed at it are gone
 *     on the primary too, and which they were is not known here — every read by tag and the
 *     tags list of the repository;</li>
 * <li>a blob deleted pins reads of that blob;</li>
 * <li>any push pins the catalog while the replica does not know the repository yet (a new
 *     repository), which {@link ReadYourWrites} checks per repository.</li>
 * </ul>
 * Referrers lists are not pinned: the primary may not serve the referrers API (distribution
 * 2.8 does not), so the router corrects the replica's list with the referrer fences and the
 * deleted manifests of the repository instead.
 */
public sealed interface FencedRead {

    /** The repository read, null for the catalog. */
    String repository();

    boolean isPinnedBy(Fence fence);

    record ManifestByTag(String repository, String tag) implements FencedRead {
        @Override
        public boolean isPinnedBy(Fence f) {
            return (f.kind() == Fence.Kind.TAG && f.target().equals(tag)) || deletedManifest(f);
        }
    }

    record ManifestByDigest(String repository, String digest) implements FencedRead {
        @Override
        public boolean isPinnedBy(Fence f) {
            return switch (f.kind()) {
                case TAG -> f.present() && digest.equals(f.digest());
                case MANIFEST -> f.target().equals(digest);
                default -> false;
            };
        }
    }

    record Blob(String repository, String digest) implements FencedRead {
        @Override
        public boolean isPinnedBy(Fence f) {
            return f.kind() == Fence.Kind.BLOB && f.target().equals(digest);
        }
    }

    record TagsList(String repository) implements FencedRead {
        @Override
        public boolean isPinnedBy(Fence f) {
            return f.kind() == Fence.Kind.TAG || deletedManifest(f);
        }
    }

    /** The catalog: pinned by pushes whose repository the replica may not know yet. */
    record Catalog() implements FencedRead {
        @Override
        public String repository() {
            return null;
        }

        @Override
        public boolean isPinnedBy(Fence f) {
            return f.present() && (f.kind() == Fence.Kind.TAG || f.kind() == Fence.Kind.MANIFEST);
        }
    }

    /** A manifest read by {@code reference}, a tag or a digest. */
    static FencedRead manifest(String repository, String reference) {
        return Digest.looksLikeDigest(reference)
                ? new ManifestByDigest(repository, reference)
                : new ManifestByTag(repository, reference);
    }

    private static boolean deletedManifest(Fence f) {
        return f.kind() == Fence.Kind.MANIFEST && !f.present();
    }
}
