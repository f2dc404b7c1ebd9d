package io.georeg.router.fence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which reads each kind of write's fence sends to the primary (the table in docs/architecture.md). */
class FencedReadTest {
    private static final String D = "sha256:" + "d".repeat(64);
    private static final String E = "sha256:" + "e".repeat(64);

    private static Fence fence(Fence.Write w) {
        return new Fence(
                1,
                w.repository(),
                w.kind(),
                w.target(),
                w.digest(),
                w.present(),
                w.descriptor(),
                w.replicaDeleteGeneration(),
                Instant.EPOCH,
                Instant.MAX,
                null);
    }

    @Test
    void aTagPushPinsTheTagItsDigestTheTagsListAndTheCatalog() {
        Fence f = fence(Fence.Write.tagPushed("r", "v1", D));
        assertThat(new FencedRead.ManifestByTag("r", "v1").isPinnedBy(f)).isTrue();
        assertThat(new FencedRead.ManifestByTag("r", "v2").isPinnedBy(f)).isFalse();
        assertThat(new FencedRead.ManifestByDigest("r", D).isPinnedBy(f)).isTrue();
        assertThat(new FencedRead.ManifestByDigest("r", E).isPinnedBy(f)).isFalse();
        assertThat(new FencedRead.TagsList("r").isPinnedBy(f)).isTrue();
        assertThat(new FencedRead.Catalog().isPinnedBy(f)).isTrue();
        assertThat(new FencedRead.Blob("r", D).isPinnedBy(f)).isFalse();
    }

    @Test
    void aManifestDeletePinsItsDigestEveryTagReadAndTheTagsListButNotTheCatalog() {
        Fence f = fence(Fence.Write.manifestDeleted("r", D, 0));
        assertThat(new FencedRead.ManifestByDigest("r", D).isPinnedBy(f)).isTrue();
        assertThat(new FencedRead.ManifestByTag("r", "anything").isPinnedBy(f)).isTrue();
        assertThat(new FencedRead.TagsList("r").isPinnedBy(f)).isTrue();
        assertThat(new FencedRead.Catalog().isPinnedBy(f)).isFalse();
    }

    @Test
    void aTagDeletePinsTheTagAndTheTagsListOnly() {
        Fence f = fence(Fence.Write.tagDeleted("r", "v1", 0));
        assertThat(new FencedRead.ManifestByTag("r", "v1").isPinnedBy(f)).isTrue();
        assertThat(new FencedRead.TagsList("r").isPinnedBy(f)).isTrue();
        assertThat(new FencedRead.ManifestByDigest("r", D).isPinnedBy(f)).isFalse();
        assertThat(new FencedRead.Catalog().isPinnedBy(f)).isFalse();
    }

    @Test
    void aBlobDeletePinsThatBlobOnlyAndAReferrerPinsNothing() {
        Fence blob = fence(Fence.Write.blobDeleted("r", D, 0));
        assertThat(new FencedRead.Blob("r", D).isPinnedBy(blob)).isTrue();
        assertThat(new FencedRead.Blob("r", E).isPinnedBy(blob)).isFalse();
        assertThat(new FencedRead.ManifestByDigest("r", D).isPinnedBy(blob)).isFalse();

        Fence referrer = fence(Fence.Write.referrerPushed("r", D, E, "{}"));
        for (FencedRead read : new FencedRead[] {
            new FencedRead.ManifestByDigest("r", D),
            new FencedRead.ManifestByTag("r", "v1"),
            new FencedRead.TagsList("r"),
            new FencedRead.Catalog(),
            new FencedRead.Blob("r", E)
        }) {
            assertThat(read.isPinnedBy(referrer)).as("%s", read).isFalse();
        }
    }
}
