package io.georeg.replicator.primary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replicator.testing.StandInPrimary;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PrimaryClientTest {
    private static final RepositoryName REPO = RepositoryName.of("team/app");
    private static final byte[] LAYER = "layer bytes of the stand-in".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CONFIG = "{\"architecture\":\"amd64\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MANIFEST = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
                    + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                    + Digest.sha256(CONFIG)
                    + "\",\"size\":" + CONFIG.length
                    + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\""
                    + Digest.sha256(LAYER) + "\",\"size\":" + LAYER.length + "}]}")
            .getBytes(StandardCharsets.UTF_8);

    private StandInPrimary primary;
    private StandInPrimary storage;

    @BeforeEach
    void start() throws Exception {
        primary = new StandInPrimary()
                .manifest(REPO.value(), "v1", MediaTypes.OCI_MANIFEST, MANIFEST)
                .blob(LAYER)
                .blob(CONFIG);
        primary.listen();
    }

    @AfterEach
    void stop() throws Exception {
        primary.shutdown();
        if (storage != null) {
            storage.shutdown();
        }
    }

    private PrimaryClient client(boolean withCredentials) {
        PrimaryConfig config = PrimaryConfig.anonymous(URI.create(primary.url()));
        return PrimaryClient.create(
                withCredentials ? config.withCredentials(StandInPrimary.USER, StandInPrimary.PASSWORD) : config);
    }

    @Test
    void tokenFlowFetchesOneTokenPerScopeWithBasicCredentialsAndReusesIt() {
        primary.tokenAuth(true);
        try (PrimaryClient client = client(true)) {
            FetchedManifest byTag = client.content()
                    .manifest(REPO, new Reference.ByTag(Tag.of("v1")))
                    .orElseThrow();
            assertThat(byTag.digest()).isEqualTo(Digest.sha256(MANIFEST));
            assertThat(client.content().manifest(REPO, new Reference.ByDigest(byTag.digest())))
                    .isPresent();
            assertThat(client.content().blobExists(REPO, Digest.sha256(LAYER))).isTrue();
            assertThat(primary.tokensIssued()).isEqualTo(1);
            assertThat(primary.seen())
                    .filteredOn(s -> s.pathAndQuery().startsWith("/token"))
                    .singleElement()
                    .satisfies(s -> {
                        assertThat(s.authorization()).startsWith("Basic ");
                        assertThat(s.pathAndQuery())
                                .contains("service=stand-in")
                                .contains("scope=repository%3Ateam%2Fapp%3Apull");
                    });
            client.catalog().tags(RepositoryName.of("other/repo"));
            assertThat(primary.tokensIssued()).isEqualTo(2);
        }
    }

    @Test
    void wrongCredentialsArePermanentFailures() {
        primary.tokenAuth(true);
        PrimaryConfig config =
                PrimaryConfig.anonymous(URI.create(primary.url())).withCredentials("replicator", "wrong");
        try (PrimaryClient client = PrimaryClient.create(config)) {
            assertThatThrownBy(() -> client.content().manifest(REPO, new Reference.ByTag(Tag.of("v1"))))
                    .isInstanceOfSatisfying(PrimaryException.class, e -> {
                        assertThat(e.status()).isEqualTo(401);
                        assertThat(e.isTransient()).isFalse();
                    });
        }
    }

    @Test
    void blobRedirectToAnotherHostIsFollowedWithoutTheAuthorizationHeader() throws Exception {
        storage = new StandInPrimary().blob(LAYER);
        storage.listen();
        primary.tokenAuth(true).redirectBlobsTo(storage.url());
        try (PrimaryClient client = client(true);
                BlobStream blob =
                        client.content().openBlob(REPO, Digest.sha256(LAYER)).orElseThrow()) {
            try (InputStream in = blob.content()) {
                assertThat(in.readAllBytes()).isEqualTo(LAYER);
            }
        }
        assertThat(primary.seen())
                .filteredOn(s -> s.pathAndQuery().contains("/blobs/"))
                .last()
                .satisfies(s -> assertThat(s.authorization()).startsWith("Bearer "));
        assertThat(storage.seen()).singleElement().satisfies(s -> {
            assertThat(s.pathAndQuery()).startsWith("/storage/");
            assertThat(s.authorization()).isNull();
        });
    }

    @Test
    void manifestBytesThatDoNotMatchTheirDigestAreRefused() {
        Digest claimed = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
        primary.mismatchedManifest(REPO.value(), claimed, MediaTypes.OCI_MANIFEST, MANIFEST);
        try (PrimaryClient client = client(false)) {
            assertThatThrownBy(() -> client.content().manifest(REPO, new Reference.ByDigest(claimed)))
                    .isInstanceOf(PrimaryContentException.class)
                    .hasMessageContaining("does not match");
        }
    }

    @Test
    void missingManifestAndBlobAreEmptyNotErrors() {
        try (PrimaryClient client = client(false)) {
            assertThat(client.content().manifest(REPO, new Reference.ByTag(Tag.of("nope"))))
                    .isEmpty();
            assertThat(client.content().headManifest(REPO, new Reference.ByTag(Tag.of("nope"))))
                    .isEmpty();
            assertThat(client.content().openBlob(REPO, Digest.sha256("x".getBytes(StandardCharsets.UTF_8))))
                    .isEmpty();
            assertThat(client.content().blobExists(REPO, Digest.sha256("x".getBytes(StandardCharsets.UTF_8))))
                    .isFalse();
        }
    }

    @Test
    void tagsAndCatalogFollowLinkPagination() {
        for (String t : List.of("v2", "v3", "v4", "v5")) {
            primary.manifest(REPO.value(), t, MediaTypes.OCI_MANIFEST, MANIFEST);
        }
        primary.manifest("a/first", "x", MediaTypes.OCI_MANIFEST, MANIFEST)
                .manifest("z/last", "x", MediaTypes.OCI_MANIFEST, MANIFEST);
        primary.pageSize(2);
        try (PrimaryClient client = client(false)) {
            assertThat(client.catalog().tags(REPO))
                    .extracting(Tag::value)
                    .containsExactly("v1", "v2", "v3", "v4", "v5");
            List<String> repos = new java.util.ArrayList<>();
            client.catalog().forEachCatalogRepository(r -> repos.add(r.value()));
            assertThat(repos).containsExactly("a/first", "team/app", "z/last");
        }
        assertThat(primary.seen())
                .filteredOn(s -> s.pathAndQuery().contains("/tags/list"))
                .hasSize(3);
    }

    @Test
    void referrersFallBackToTheCosignTagSchemaWithoutAReferrersApi() {
        Digest subject = Digest.sha256(MANIFEST);
        byte[] signature = MANIFEST.clone();
        signature[signature.length - 1] = ' ';
        primary.manifest(REPO.value(), "sha256-" + subject.hex() + ".sig", MediaTypes.OCI_MANIFEST, signature)
                .manifest(REPO.value(), "sha256-" + subject.hex() + ".unrelated", MediaTypes.OCI_MANIFEST, signature);
        try (PrimaryClient client = client(false)) {
            List<Referrer> referrers = client.content().referrers(REPO, subject);
            assertThat(referrers).singleElement().satisfies(r -> {
                assertThat(r.digest()).isEqualTo(Digest.sha256(signature));
                assertThat(r.tag()).contains(Tag.of("sha256-" + subject.hex() + ".sig"));
            });
        }
    }

    @Test
    void configNamesTheKeyAndTheFix() {
        assertThatThrownBy(() -> new PrimaryConfig(URI.create("ftp://x"), "u", null, null, null, null, null).validate())
                .hasMessageContaining("replicator.primary.url")
                .hasMessageContaining("replicator.primary.password")
                .hasMessageContaining("replicator.primary.connectTimeout");
    }
}
