package io.georeg.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.app.config.ConfigLoader;
import io.georeg.app.config.GeoregConfig;
import io.georeg.app.layout.OciLayoutImporter;
import io.georeg.app.wiring.GeoregServer;
import io.georeg.app.wiring.RegistryReadComponent;
import io.georeg.oci.RepositoryName;
import io.georeg.testkit.corpus.Corpus;
import io.georeg.testkit.corpus.CorpusGenerator;
import io.georeg.testkit.corpus.CorpusImage;
import io.georeg.testkit.corpus.CorpusRepository;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Skopeo;
import io.georeg.testkit.tools.SkopeoDirCheck;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end as an operator runs it: configuration through the real loader (env overrides),
 * {@code georeg serve}'s wiring, the whole corpus loaded into the replica by the OCI layout
 * importer through {@code ReplicaWriter}, and Debian's skopeo pulling every image (with
 * {@code --all}) out of registry-read into {@code dir:} layouts that must match byte for byte.
 */
class SkopeoPullIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path work;

    static Corpus corpus;
    static GeoregServer server;
    static String host;

    @BeforeAll
    static void serveTheCorpus() throws Exception {
        Skopeo.require();
        GeoregConfig config = new ConfigLoader(Map.of(
                        "GEOREG_COMPONENTS", "registry-read",
                        "GEOREG_DATABASE_URL", DB.jdbcUrl(),
                        "GEOREG_DATABASE_USER", DB.user(),
                        "GEOREG_DATABASE_PASSWORD", DB.password(),
                        "GEOREG_DATABASE_MIGRATE_ON_START", "true",
                        "GEOREG_STORAGE_FILESYSTEM_ROOT",
                                work.resolve("storage").toString(),
                        "GEOREG_REGISTRY_READ_PORT", "0"))
                .load(Optional.empty());
        corpus = CorpusGenerator.withSeed(CorpusGenerator.DEFAULT_SEED).generate();
        Path layouts = work.resolve("layouts");
        OciLayoutWriter.writeAll(corpus, layouts);

        server = new GeoregServer(config).start();
        OciLayoutImporter importer = new OciLayoutImporter(server.resources().replicaWriter());
        for (CorpusRepository repo : corpus.repositories()) {
            importer.importLayout(layouts.resolve(repo.name()), RepositoryName.of(repo.name()));
        }
        host = "127.0.0.1:"
                + server.component(RegistryReadComponent.class).uri().getPort();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void skopeoCopiesEveryCorpusImageByteIdentical() throws Exception {
        Skopeo skopeo = Skopeo.require();
        int n = 0;
        for (CorpusImage image : corpus.images()) {
            Path dir = work.resolve("pulled-" + n++);
            skopeo.copyAllToDir(host + "/" + image.pullReference(), dir).requireSuccess();
            assertThat(SkopeoDirCheck.differences(dir, image, corpus.repository(image.repository())))
                    .isEmpty();
        }
        assertThat(n).isEqualTo(corpus.images().size()).isGreaterThanOrEqualTo(8);
    }

    @Test
    void skopeoSeesTheStoredManifestBytesOfAnIndex() {
        CorpusImage index = corpus.images().stream()
                .filter(i -> i.kind().contains("index"))
                .findFirst()
                .orElseThrow();
        String raw = Skopeo.require()
                .inspectRaw(host + "/" + index.pullReference())
                .requireSuccess()
                .output();
        byte[] stored = corpus.repository(index.repository()).manifests().stream()
                .filter(m -> m.digest().equals(index.digest()))
                .findFirst()
                .orElseThrow()
                .content();
        assertThat(raw.strip()).isEqualTo(new String(stored, java.nio.charset.StandardCharsets.UTF_8).strip());
    }
}
