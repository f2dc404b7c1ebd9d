package io.georeg.replicator.promote;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.db.Database;
import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.DatabaseReplicaWriter;
import io.georeg.replicator.testing.ReplicatorDatabase;
import io.georeg.storage.BlobStore;
import io.georeg.storage.DefaultBlobStore;
import io.georeg.storage.fs.FilesystemObjectStore;
import io.georeg.testkit.corpus.Corpus;
import io.georeg.testkit.corpus.CorpusBlob;
import io.georeg.testkit.corpus.CorpusGenerator;
import io.georeg.testkit.corpus.CorpusImage;
import io.georeg.testkit.corpus.CorpusManifest;
import io.georeg.testkit.corpus.CorpusRepository;
import io.georeg.testkit.corpus.CorpusSink;
import io.georeg.testkit.corpus.OciLayoutWriter;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import io.georeg.testkit.tools.Skopeo;
import io.georeg.testkit.tools.SkopeoDirCheck;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Planned promotion, storage half (issue 6 item 4): the replica keeps distribution's v2 layout, so
 * a stock distribution 2.8 registry started on the replica's filesystem storage must serve every
 * replicated image and accept new pushes. The whole corpus (OCI image with two referrers, Docker
 * image, OCI index, Docker manifest list, a large layer, shrunk to 8 MiB to stay fast) is written
 * through {@link DatabaseReplicaWriter}, the only way content gets into the replica; then Debian's
 * {@code docker-registry} serves that directory and Debian's skopeo pulls every image
 * ({@code --all}, untagged referrers by digest) byte for byte, lists tags, and pushes.
 */
class PromotedDistributionIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path work;

    static final long BIG_LAYER = 8L * 1024 * 1024;
    static Corpus corpus;
    static Database database;
    static Distribution promoted;
    /** Replicated beside the corpus only to be deleted through the promoted registry. */
    static TestImage doomed;

    static final RepositoryName DOOMED_REPO = RepositoryName.of("scratch/delete-me");

    @BeforeAll
    static void promoteTheReplicasStorage() {
        Distribution.require();
        Skopeo.require();
        corpus = CorpusGenerator.withSeed(CorpusGenerator.DEFAULT_SEED)
                .bigLayerSize(BIG_LAYER)
                .generate();
        database = ReplicatorDatabase.start(DB);
        Path storageRoot = work.resolve("replica-storage");
        try (BlobStore blobs = new DefaultBlobStore(FilesystemObjectStore.open(storageRoot))) {
            DatabaseReplicaWriter writer = new DatabaseReplicaWriter(database, blobs);
            corpus.replay(new ReplicaSink(writer));
            doomed = TestImages.image(9001);
            for (TestBlob blob : doomed.blobs()) {
                writer.putBlob(DOOMED_REPO, blob.digest(), blob.size(), blob.stream());
            }
            writer.putManifest(
                    DOOMED_REPO,
                    doomed.manifest().content(),
                    doomed.manifest().mediaType(),
                    doomed.manifest().digest());
            writer.tag(DOOMED_REPO, Tag.of("v1"), doomed.manifest().digest());
        }
        promoted = Distribution.start(work, DistributionConfig.filesystem(storageRoot));
    }

    @AfterAll
    static void stop() {
        if (promoted != null) {
            promoted.close();
        }
        if (database != null) {
            database.close();
        }
    }

    /** Writes the corpus through the replica's write side in registry order, as the replicator does. */
    private record ReplicaSink(DatabaseReplicaWriter writer) implements CorpusSink {
        @Override
        public void blob(String repository, CorpusBlob blob) {
            try (InputStream in = blob.open()) {
                writer.putBlob(RepositoryName.of(repository), blob.digest(), blob.size(), in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void manifest(String repository, CorpusManifest manifest) {
            writer.putManifest(
                    RepositoryName.of(repository), manifest.content(), manifest.mediaType(), manifest.digest());
        }

        @Override
        public void tag(String repository, String tag, Digest manifest) {
            writer.tag(RepositoryName.of(repository), Tag.of(tag), manifest);
        }
    }

    @Test
    void stockDistributionServesEveryReplicatedImageByteIdentical() {
        Skopeo skopeo = Skopeo.require();
        List<String> differences = new ArrayList<>();
        int n = 0;
        for (CorpusImage image : corpus.images()) {
            Path dir = work.resolve("pulled-" + n++);
            skopeo.copyAllToDir(promoted.hostPort() + "/" + image.pullReference(), dir)
                    .requireSuccess();
            differences.addAll(SkopeoDirCheck.differences(dir, image, corpus.repository(image.repository())));
        }
        assertThat(differences).isEmpty();
        assertThat(n).isEqualTo(corpus.images().size()).isGreaterThanOrEqualTo(8);
        assertThat(corpus.images()).anyMatch(i -> i.reference().startsWith("sha256:"));
    }

    @Test
    void stockDistributionListsTheReplicatedTagsAndRepositories() throws Exception {
        for (CorpusRepository repo : corpus.repositories()) {
            JsonNode tags = getJson("/v2/" + repo.name() + "/tags/list");
            Set<String> listed = new TreeSet<>();
            tags.path("tags").forEach(t -> listed.add(t.asText()));
            assertThat(listed).as(repo.name()).containsAll(repo.tags().keySet());
        }
        Set<String> catalog = new TreeSet<>();
        getJson("/v2/_catalog").path("repositories").forEach(r -> catalog.add(r.asText()));
        assertThat(catalog)
                .containsAll(corpus.repositories().stream()
                        .map(CorpusRepository::name)
                        .toList());
    }

    @Test
    void promotedRegistryAcceptsPushesIntoNewAndReplicatedRepositories() {
        Skopeo skopeo = Skopeo.require();
        CorpusRepository multiarch = corpus.repository("team/multiarch");
        // containers/image's oci: transport reads only OCI media types from index.json, so the
        // pushed image is the OCI one (library/alpine), not the Docker one
        CorpusRepository app = corpus.repository("library/alpine");
        Path layouts = work.resolve("push-layouts");
        OciLayoutWriter.write(multiarch, layouts.resolve("multiarch"));
        OciLayoutWriter.write(app, layouts.resolve("alpine"));

        // an index pushed into a replicated repository (new tag beside the replica's link files),
        // and an image pushed into a repository the replica never had
        push(skopeo, "oci:" + layouts.resolve("multiarch") + ":v1", "library/alpine:pushed-index");
        push(skopeo, "oci:" + layouts.resolve("alpine") + ":3.19", "promoted/new-app:2.0");

        CorpusImage index = new CorpusImage(
                "library/alpine",
                "pushed-index",
                multiarch.tags().get("v1"),
                "application/vnd.oci.image.index.v1+json",
                "index pushed after promotion");
        Path indexDir = work.resolve("pulled-pushed-index");
        skopeo.copyAllToDir(promoted.hostPort() + "/library/alpine:pushed-index", indexDir)
                .requireSuccess();
        assertThat(SkopeoDirCheck.differences(indexDir, index, multiarch)).isEmpty();

        CorpusImage image = new CorpusImage(
                "promoted/new-app",
                "2.0",
                app.tags().get("3.19"),
                "application/vnd.oci.image.manifest.v1+json",
                "image pushed after promotion");
        Path imageDir = work.resolve("pulled-new-app");
        skopeo.copyAllToDir(promoted.hostPort() + "/promoted/new-app:2.0", imageDir)
                .requireSuccess();
        assertThat(SkopeoDirCheck.differences(imageDir, image, app)).isEmpty();

        // the replicated tags of the repository are still served next to the pushed one
        skopeo.copyAllToDir(promoted.hostPort() + "/library/alpine:3.19", work.resolve("pulled-after-push"))
                .requireSuccess();
    }

    @Test
    void promotedRegistryDeletesAReplicatedManifestWithItsTag() throws Exception {
        String manifest = "/v2/" + DOOMED_REPO.value() + "/manifests/";
        assertThat(status("GET", manifest + "v1")).isEqualTo(200);
        // distribution finds the tags to remove through _manifests/tags/<tag>/index/<alg>/<hex>/link
        assertThat(status("DELETE", manifest + doomed.manifest().digest())).isEqualTo(202);
        assertThat(status("GET", manifest + doomed.manifest().digest())).isEqualTo(404);
        assertThat(status("GET", manifest + "v1")).isEqualTo(404);
        assertThat(getJson("/v2/" + DOOMED_REPO.value() + "/tags/list")
                        .path("tags")
                        .size())
                .isZero();
    }

    /**
     * distribution's garbage collector marks from every repository's manifest revisions; a blob it
     * does not reach would be deleted by the first GC after promotion. None of the corpus may be.
     */
    @Test
    void garbageCollectionOfThePromotedStorageKeepsEveryReplicatedBlob() {
        Skopeo.Result gc = runRegistry(
                List.of("garbage-collect", "--dry-run", promoted.configFile().toString()));
        assertThat(gc.exitCode()).as(gc.output()).isZero();
        assertThat(gc.output()).contains("blobs marked");
        Set<String> kept = new TreeSet<>();
        for (CorpusRepository repo : corpus.repositories()) {
            repo.blobs().forEach(b -> kept.add(b.digest().toString()));
            repo.manifests().forEach(m -> kept.add(m.digest().toString()));
        }
        List<String> eligible = gc.output()
                .lines()
                .filter(l -> l.contains("eligible for deletion: "))
                .map(l -> l.substring(l.indexOf("eligible for deletion: ") + "eligible for deletion: ".length())
                        .strip())
                .filter(kept::contains)
                .toList();
        assertThat(eligible).as("corpus content distribution's GC would delete").isEmpty();
    }

    private static Skopeo.Result runRegistry(List<String> args) {
        List<String> command = new ArrayList<>(List.of(Distribution.BINARY.toString()));
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("docker-registry " + args + " did not finish in 60 s");
            }
            return new Skopeo.Result(command, p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static int status(String method, String path) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(
                            HttpRequest.newBuilder(URI.create(promoted.url() + path))
                                    .method(method, HttpRequest.BodyPublishers.noBody())
                                    .header(
                                            "Accept",
                                            "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        }
    }

    private void push(Skopeo skopeo, String source, String target) {
        skopeo.run(
                        List.of(
                                "copy",
                                "--all",
                                "--dest-tls-verify=false",
                                source,
                                "docker://" + promoted.hostPort() + "/" + target),
                        Skopeo.DEFAULT_TIMEOUT)
                .requireSuccess();
    }

    private static JsonNode getJson(String path) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create(promoted.url() + path))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode())
                    .as("GET " + path + ": " + response.body())
                    .isEqualTo(200);
            return new ObjectMapper().readTree(response.body());
        }
    }
}
