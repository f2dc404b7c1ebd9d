package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.oci.Descriptor;
import io.georeg.oci.Digest;
import io.georeg.oci.ManifestParser;
import io.georeg.oci.ParsedManifest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.ReplicaReader;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.replicator.testing.SkopeoDirWriter;
import io.georeg.testkit.corpus.Corpus;
import io.georeg.testkit.corpus.CorpusGenerator;
import io.georeg.testkit.corpus.CorpusRepository;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicator against a real primary: Debian's distribution 2.8 sends its notifications to the
 * intake, skopeo pushes the seeded corpus (OCI and Docker images sharing a base layer across
 * repositories, an OCI index, a Docker manifest list, a 100 MiB layer), and the replica converges:
 * every (repository, tag) resolves to the primary's digest with the same bytes, and every blob the
 * replica holds hashes to its digest and equals the primary's bytes, read from both sides.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicationFromDistributionIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path temp;

    private static ReplicatorUnderTest replica;
    private static Distribution primary;
    private static Corpus corpus;
    private static Skopeo skopeo;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        skopeo = Skopeo.require();
        replica = new ReplicatorUnderTest(DB, temp.resolve("replica"));
        primary = Distribution.notifying(temp.resolve("primary"), replica.intakeUrl(), ReplicatorUnderTest.SECRET);
        replica.start(primary.url(), ReplicatorUnderTest.fastRetries(4));
        corpus = CorpusGenerator.withSeed(7).bigLayerSize(100L * 1024 * 1024).generate();
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() throws Exception {
        if (http != null) {
            http.close();
        }
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    @Test
    @Order(1)
    void pushedCorpusConvergesTagForTagAndByteForByte() throws Exception {
        Map<String, Map<String, Digest>> expected = new LinkedHashMap<>();
        for (CorpusRepository repo : corpus.repositories()) {
            for (Map.Entry<String, Digest> tag : repo.tags().entrySet()) {
                push(repo, tag.getKey(), repo.name(), tag.getKey());
                // skopeo may rewrite a manifest on the way (the primary's digest is the truth to converge on).
                expected.computeIfAbsent(repo.name(), k -> new LinkedHashMap<>())
                        .put(tag.getKey(), primaryDigest(repo.name(), tag.getKey()));
            }
        }
        await("replica converges on every pushed tag")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    for (var repo : expected.entrySet()) {
                        for (var tag : repo.getValue().entrySet()) {
                            Optional<ReplicaReader.StoredManifest> stored = replica.reader()
                                    .manifest(
                                            RepositoryName.of(repo.getKey()),
                                            new Reference.ByTag(Tag.of(tag.getKey())));
                            assertThat(stored)
                                    .as(repo.getKey() + ":" + tag.getKey())
                                    .isPresent();
                            assertThat(stored.get().digest()).isEqualTo(tag.getValue());
                        }
                    }
                });
        for (var repo : expected.entrySet()) {
            for (var tag : repo.getValue().entrySet()) {
                assertSameAsPrimary(RepositoryName.of(repo.getKey()), tag.getValue());
            }
        }
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE state = 'failed'"))
                .isZero();
        await("queue drained")
                .atMost(Duration.ofSeconds(30))
                .until(() -> DB.queryLong("SELECT count(*) FROM replication_work WHERE state <> 'done'") == 0);
        String metrics = replica.metrics();
        assertThat(metricValue(metrics, "georeg_replication_lag_seconds_count")).isPositive();
        assertThat(metricValue(metrics, "georeg_replication_bytes_copied_total"))
                .isGreaterThan(100.0 * 1024 * 1024);
        assertThat(metricValue(metrics, "georeg_replication_blob_dedup_total")).isPositive();
        assertThat(metricValue(metrics, "georeg_replication_intake_requests_total{outcome=\"accepted\"}"))
                .isPositive();
        assertThat(metricValue(metrics, "georeg_replication_queue_items{state=\"pending\"}"))
                .isZero();
        assertThat(metricValue(metrics, "georeg_replication_oldest_pending_seconds"))
                .isZero();
    }

    private static double metricValue(String text, String series) {
        return text.lines()
                .filter(l -> l.startsWith(series + " "))
                .findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError("no series " + series + " in\n" + text));
    }

    @Test
    @Order(2)
    void sharedBaseLayerIsStoredOnceAndLinkedEverywhere() {
        long repositoriesLinkingMostShared =
                DB.queryLong("SELECT max(n) FROM (SELECT count(*) AS n FROM repository_blobs GROUP BY digest) x");
        assertThat(repositoriesLinkingMostShared).isGreaterThanOrEqualTo(4);
        assertThat(DB.queryLong("SELECT count(*) FROM blobs"))
                .isEqualTo(DB.queryLong("SELECT count(DISTINCT digest) FROM repository_blobs")
                        + DB.queryLong("SELECT count(DISTINCT digest) FROM manifests"));
    }

    @Test
    @Order(3)
    void tagOverwriteAndManifestDeletePropagate() throws Exception {
        CorpusRepository alpine = corpus.repository("library/alpine");
        CorpusRepository app = corpus.repository("library/app");
        RepositoryName moving = RepositoryName.of("scratch/moving");
        push(alpine, "3.19", moving.value(), "t");
        awaitTag(moving, "t", Optional.of(primaryDigest(moving.value(), "t")));
        push(app, "1.0", moving.value(), "t");
        Digest overwritten = primaryDigest(moving.value(), "t");
        awaitTag(moving, "t", Optional.of(overwritten));

        skopeo.run(
                        List.of("delete", "--tls-verify=false", "docker://" + primary.hostPort() + "/" + moving + ":t"),
                        Skopeo.DEFAULT_TIMEOUT)
                .requireSuccess();
        awaitTag(moving, "t", Optional.empty());
        await("manifest delete reaches the replica")
                .atMost(Duration.ofSeconds(30))
                .until(() -> replica.reader()
                        .manifest(moving, new Reference.ByDigest(overwritten))
                        .isEmpty());
        // The other repositories still have their copy of the same content.
        assertThat(replica.reader().manifest(RepositoryName.of(app.name()), new Reference.ByDigest(overwritten)))
                .isPresent();
    }

    @Test
    @Order(4)
    void blobDeleteUnlinksOnlyThatRepositorysBlob() throws Exception {
        RepositoryName app = RepositoryName.of("library/app");
        RepositoryName alpine = RepositoryName.of("library/alpine");
        ReplicaReader.StoredManifest image = replica.reader()
                .manifest(app, new Reference.ByTag(Tag.of("1.0")))
                .orElseThrow();
        ParsedManifest parsed = ManifestParser.parse(image.content(), image.mediaType());
        // The base layer is shared with library/alpine; deleting it from library/app must not touch alpine.
        Digest shared = parsed.layers().stream()
                .map(Descriptor::digest)
                .filter(d -> replica.reader().blobSize(alpine, d).isPresent())
                .findFirst()
                .orElseThrow();
        HttpResponse<Void> deleted = http.send(
                HttpRequest.newBuilder(primary.url().resolve("/v2/" + app + "/blobs/" + shared))
                        .DELETE()
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(deleted.statusCode()).isEqualTo(202);
        await("blob delete reaches the replica")
                .atMost(Duration.ofSeconds(30))
                .until(() -> replica.reader().blobSize(app, shared).isEmpty());
        assertThat(replica.reader().blobSize(alpine, shared)).isPresent();
        assertThat(replica.reader().manifest(app, new Reference.ByTag(Tag.of("1.0"))))
                .as("distribution keeps the manifest")
                .isPresent();
    }

    private static void push(CorpusRepository source, String sourceTag, String repository, String tag) {
        SkopeoDirWriter.push(
                skopeo, source, sourceTag, temp.resolve("dirs"), primary.hostPort() + "/" + repository + ":" + tag);
    }

    private static Digest primaryDigest(String repository, String tag) throws IOException, InterruptedException {
        HttpResponse<Void> r = http.send(
                HttpRequest.newBuilder(primary.url().resolve("/v2/" + repository + "/manifests/" + tag))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .header("Accept", PrimaryClientAccept.VALUE)
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(r.statusCode()).as("HEAD " + repository + ":" + tag).isEqualTo(200);
        return Digest.parse(r.headers().firstValue("Docker-Content-Digest").orElseThrow());
    }

    private static void awaitTag(RepositoryName repository, String tag, Optional<Digest> digest) {
        await(repository + ":" + tag + " -> " + digest)
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> replica.reader()
                        .manifest(repository, new Reference.ByTag(Tag.of(tag)))
                        .map(ReplicaReader.StoredManifest::digest)
                        .equals(digest));
    }

    /** The manifest (and, recursively, its children and blobs) reads the same from both sides. */
    private static void assertSameAsPrimary(RepositoryName repository, Digest manifest) throws Exception {
        byte[] fromPrimary = primaryGet("/v2/" + repository + "/manifests/" + manifest, PrimaryClientAccept.VALUE);
        ReplicaReader.StoredManifest stored = replica.reader()
                .manifest(repository, new Reference.ByDigest(manifest))
                .orElseThrow();
        assertThat(stored.content())
                .as("manifest bytes of " + repository + "@" + manifest)
                .isEqualTo(fromPrimary);
        ParsedManifest parsed = ManifestParser.parse(stored.content(), stored.mediaType());
        for (Descriptor child : parsed.children()) {
            assertSameAsPrimary(repository, child.digest());
        }
        for (Descriptor blob : parsed.blobs()) {
            assertThat(replica.reader().blobSize(repository, blob.digest()))
                    .as("blob linked in " + repository)
                    .contains(blob.size());
            String replicaHash;
            try (InputStream in = replica.reader().openBlob(blob.digest(), 0, -1)) {
                replicaHash = sha256(in);
            }
            String primaryHash;
            HttpResponse<InputStream> r = http.send(
                    HttpRequest.newBuilder(primary.url().resolve("/v2/" + repository + "/blobs/" + blob.digest()))
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            try (InputStream in = r.body()) {
                primaryHash = sha256(in);
            }
            assertThat(replicaHash)
                    .as("bytes of " + blob.digest())
                    .isEqualTo(primaryHash)
                    .isEqualTo(blob.digest().hex());
        }
    }

    private static byte[] primaryGet(String path, String accept) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(
                HttpRequest.newBuilder(primary.url().resolve(path))
                        .header("Accept", accept)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("GET " + path).isEqualTo(200);
        return r.body();
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (DigestInputStream d = new DigestInputStream(in, md)) {
            d.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Every manifest type, so the primary serves each manifest as pushed. */
    private static final class PrimaryClientAccept {
        static final String VALUE =
                "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
                        + "application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";
    }
}
