package io.georeg.app.layout;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.Tag;
import io.georeg.testkit.corpus.CorpusGenerator;
import io.georeg.testkit.corpus.OciLayoutWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciLayoutImporterTest {

    @Test
    void refNameIsATagOrTheTagOfAFullReference() {
        assertThat(OciLayoutImporter.tagOf("3.19")).contains(Tag.of("3.19"));
        assertThat(OciLayoutImporter.tagOf("registry.example.com:5000/library/alpine:edge"))
                .contains(Tag.of("edge"));
        assertThat(OciLayoutImporter.tagOf("registry.example.com:5000/library/alpine"))
                .isEmpty();
        assertThat(OciLayoutImporter.tagOf("not a tag")).isEmpty();
        assertThat(OciLayoutImporter.tagOf(null)).isEmpty();
    }

    @Test
    void findsEveryLayoutBelowARootAndNothingElse(@TempDir Path dir) {
        OciLayoutWriter.writeAll(CorpusGenerator.withSeed(1).bigLayerSize(10).generate(), dir);
        assertThat(OciLayoutImporter.findLayouts(dir))
                .extracting(p -> dir.relativize(p).toString())
                .containsExactly("big/layer", "library/alpine", "library/app", "team/legacy", "team/multiarch");
        assertThat(OciLayoutImporter.isLayout(dir)).isFalse();
    }
}
