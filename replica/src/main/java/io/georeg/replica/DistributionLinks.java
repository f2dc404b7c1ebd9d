package io.georeg.replica;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.storage.DistributionLayout;
import io.georeg.storage.ObjectKey;
import io.georeg.storage.ObjectStore;

/**
 * Writes and removes the repository link files of distribution's v2 layout (registry/storage/
 * paths.go), so that a stock distribution registry pointed at the replica's storage after a
 * promotion serves everything the tracking database shows. Called by
 * {@link DatabaseReplicaWriter} only; every operation is idempotent.
 *
 * <p>Each link is written with the store's full durability (file fsync, atomic rename, directory
 * fsync), although link files are derived from the database: the writer commits the row right
 * after the link, the commit is durable, and nothing rebuilds links from the database before a
 * promoted registry serves the storage, so a link lost in a crash would be a row the promoted
 * registry cannot serve. Skipping the directory fsync would save one fsync per link but leave
 * exactly that window open.
 */
final class DistributionLinks {
    private final ObjectStore objects;

    DistributionLinks(ObjectStore objects) {
        this.objects = objects;
    }

    /** {@code _layers/<alg>/<hex>/link}: the blob belongs to the repository. */
    void linkLayer(RepositoryName repository, Digest blob) {
        objects.writeSmall(DistributionLayout.layerLink(repository, blob), DistributionLayout.linkContent(blob));
    }

    void unlinkLayer(RepositoryName repository, Digest blob) {
        objects.delete(DistributionLayout.layerLink(repository, blob));
    }

    /** {@code _manifests/revisions/<alg>/<hex>/link}: the manifest belongs to the repository. */
    void linkRevision(RepositoryName repository, Digest manifest) {
        objects.writeSmall(
                DistributionLayout.manifestRevisionLink(repository, manifest),
                DistributionLayout.linkContent(manifest));
    }

    void unlinkRevision(RepositoryName repository, Digest manifest) {
        objects.delete(DistributionLayout.manifestRevisionLink(repository, manifest));
    }

    /**
     * The tag's index entry, then its current link, as distribution's tagStore.Tag does: the
     * current link is written last so it never names a digest missing from the index.
     */
    void linkTag(RepositoryName repository, Tag tag, Digest manifest) {
        byte[] link = DistributionLayout.linkContent(manifest);
        objects.writeSmall(DistributionLayout.tagIndexLink(repository, tag, manifest), link);
        objects.writeSmall(DistributionLayout.tagCurrentLink(repository, tag), link);
    }

    /** Removes everything below {@code _manifests/tags/<tag>}, as distribution's tag delete does. */
    void removeTag(RepositoryName repository, Tag tag) {
        for (ObjectKey key : objects.list(DistributionLayout.tagRoot(repository, tag))) {
            objects.delete(key);
        }
    }
}
