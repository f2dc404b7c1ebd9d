package io.georeg.testkit.oci;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.Descriptor;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.ParsedManifest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TestImagesTest {

    @Test
    void sameSeedGivesTheSameBytesAndOtherSeedsDiffer() {
        assertThat(TestImages.image(7).manifest().content())
                .isEqualTo(TestImages.image(7).manifest().content());
        assertThat(TestImages.image(7).manifest().digest())
                .isNotEqualTo(TestImages.image(8).manifest().digest());
    }

    @Test
    void imagesParseWithTheirBlobs() {
        for (TestImage image : List.of(TestImages.image(1), TestImages.dockerImage(1))) {
            ParsedManifest parsed = ManifestParser.parse(
                    image.manifest().content(), image.manifest().mediaType());
            assertThat(parsed.digest()).isEqualTo(image.manifest().digest());
            assertThat(parsed.blobs().stream().map(Descriptor::digest).toList())
                    .isEqualTo(image.blobs().stream().map(TestBlob::digest).toList());
        }
    }

    @Test
    void indexListsItsChildrenAndArtifactNamesItsSubject() {
        List<TestImage> children = TestImages.multiArch(MediaTypes.OCI_MANIFEST, 3);
        TestManifest index = TestImages.index(MediaTypes.OCI_INDEX, children);
        ParsedManifest parsedIndex = ManifestParser.parse(index.content(), index.mediaType());
        assertThat(parsedIndex.children())
                .extracting(Descriptor::digest)
                .containsExactly(
                        children.get(0).manifest().digest(),
                        children.get(1).manifest().digest());

        TestImage sig = TestImages.artifact(5, index, "application/vnd.example.sig", Map.of("k", "v"));
        ParsedManifest parsedSig =
                ManifestParser.parse(sig.manifest().content(), sig.manifest().mediaType());
        assertThat(parsedSig.subject()).map(Descriptor::digest).contains(index.digest());
        assertThat(parsedSig.artifactType()).isEqualTo("application/vnd.example.sig");
        assertThat(parsedSig.annotations()).containsEntry("k", "v");
    }
}
