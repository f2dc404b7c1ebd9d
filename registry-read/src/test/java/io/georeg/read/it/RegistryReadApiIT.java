package io.georeg.read.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.RepositoryName;
import io.georeg.read.ReadOptions;
import io.georeg.read.auth.Authenticator;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestBlob;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.oci.TestManifest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every endpoint of registry-read, anonymous, over real PostgreSQL and filesystem storage. */
class RegistryReadApiIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path storage;

    static final ObjectMapper JSON = new ObjectMapper();
    static final RepositoryName WEB = RepositoryName.of("apps/web");
    static final RepositoryName DOCKER = RepositoryName.of("apps/docker-app");
    static final RepositoryName MULTI = RepositoryName.of("multi/arch");
    static final String SBOM = "application/vnd.example.sbom.v1+json";
    static final String SIG = "application/vnd.example.signature.v1";

    static ReadStack stack;
    static HttpClient http;
    static TestImage web;
    static TestImage dockerImage;
    static TestManifest index;
    static TestImage sbom;
    static TestImage sig;
    static TestBlob big;

    @BeforeAll
    static void start() throws Exception {
        stack = new ReadStack(
                DB,
                storage,
                Authenticator.anonymous(),
                ReadOptions.loopbackEphemeral().withMaxPageSize(50));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        big = TestImages.layer(77, 3 * 1024 * 1024 + 17);
        web = TestImages.image(MediaTypes.OCI_MANIFEST, 5, List.of(TestImages.layer(6, 4096), big), null);
        stack.store(WEB, web, "latest");
        for (String t : List.of("t1", "t2", "t3", "t4")) {
            stack.writer.tag(WEB, io.georeg.oci.Tag.of(t), web.manifest().digest());
        }
        dockerImage = TestImages.dockerImage(9);
        stack.store(DOCKER, dockerImage, "v1");
        List<TestImage> children = TestImages.multiArch(MediaTypes.OCI_MANIFEST, 11);
        for (TestImage c : children) {
            stack.store(MULTI, c, null);
        }
        index = TestImages.index(MediaTypes.OCI_INDEX, children);
        stack.storeManifest(MULTI, index);
        stack.writer.tag(MULTI, io.georeg.oci.Tag.of("latest"), index.digest());
        sbom = TestImages.artifact(21, web.manifest(), SBOM, Map.of("org.example.kind", "sbom"));
        sig = TestImages.artifact(22, web.manifest(), SIG, Map.of());
        stack.store(WEB, sbom, null);
        stack.store(WEB, sig, null);
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    static HttpResponse<byte[]> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode json(HttpResponse<byte[]> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    @Test
    void baseEndpointAnswersEmptyObjectWithApiVersion() throws Exception {
        var r = send("GET", "/v2/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body())).isEqualTo("{}");
        assertThat(header(r, "Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"latest", "digest"})
    void manifestByTagAndDigestHasStoredTypeDigestLengthAndEtag(String how) throws Exception {
        String ref = how.equals("latest") ? "latest" : web.manifest().digest().toString();
        var get = send("GET", "/v2/apps/web/manifests/" + ref, "Accept", MediaTypes.OCI_MANIFEST);
        var head = send("HEAD", "/v2/apps/web/manifests/" + ref, "Accept", MediaTypes.OCI_MANIFEST);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(web.manifest().content());
        assertThat(header(get, "Content-Type")).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(header(get, "Docker-Content-Digest"))
                .isEqualTo(web.manifest().digest().toString());
        assertThat(header(get, "Content-Length"))
                .isEqualTo(Integer.toString(web.manifest().content().length));
        assertThat(header(get, "ETag")).isEqualTo("\"" + web.manifest().digest() + "\"");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        for (String h : List.of(
                "Content-Type", "Docker-Content-Digest", "Content-Length", "ETag", "Docker-Distribution-API-Version")) {
            assertThat(header(head, h)).as(h).isEqualTo(header(get, h));
        }
    }

    @Test
    void dockerManifestAndIndexKeepTheirMediaTypes() throws Exception {
        var d = send("GET", "/v2/apps/docker-app/manifests/v1");
        assertThat(header(d, "Content-Type")).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(d.body()).isEqualTo(dockerImage.manifest().content());
        var i = send(
                "GET",
                "/v2/multi/arch/manifests/latest",
                "Accept",
                MediaTypes.OCI_INDEX + ", " + MediaTypes.OCI_MANIFEST);
        assertThat(header(i, "Content-Type")).isEqualTo(MediaTypes.OCI_INDEX);
        assertThat(i.body()).isEqualTo(index.content());
    }

    @Test
    void acceptExcludingTheStoredTypeIsManifestUnknown() throws Exception {
        var r = send("GET", "/v2/multi/arch/manifests/latest", "Accept", MediaTypes.DOCKER_MANIFEST);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).at("/errors/0/code").asText()).isEqualTo("MANIFEST_UNKNOWN");
        assertThat(json(r).at("/errors/0/message").asText())
                .isEqualTo("OCI index found, but accept header does not support OCI indexes");
    }

    @Test
    void ifNoneMatchWithTheDigestIs304() throws Exception {
        var r = send(
                "GET",
                "/v2/apps/web/manifests/latest",
                "If-None-Match",
                "\"" + web.manifest().digest() + "\"");
        assertThat(r.statusCode()).isEqualTo(304);
        assertThat(r.body()).isEmpty();
        assertThat(header(r, "ETag")).isEqualTo("\"" + web.manifest().digest() + "\"");
        var other = send("GET", "/v2/apps/web/manifests/latest", "If-None-Match", "\"sha256:" + "0".repeat(64) + "\"");
        assertThat(other.statusCode()).isEqualTo(200);
    }

    @Test
    void blobGetAndHeadHaveEqualHeadersAndTheBytes() throws Exception {
        String path = "/v2/apps/web/blobs/" + big.digest();
        var get = send("GET", path);
        var head = send("HEAD", path);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(big.content());
        assertThat(head.statusCode()).isEqualTo(200);
        for (String h : List.of("Content-Type", "Docker-Content-Digest", "Content-Length", "ETag", "Accept-Ranges")) {
            assertThat(header(head, h)).as(h).isNotNull().isEqualTo(header(get, h));
        }
        assertThat(header(get, "Content-Length")).isEqualTo(Long.toString(big.size()));
    }

    @Test
    void rangeRequestIs206WithContentRange() throws Exception {
        var r = send("GET", "/v2/apps/web/blobs/" + big.digest(), "Range", "bytes=1000-1999");
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(header(r, "Content-Range")).isEqualTo("bytes 1000-1999/" + big.size());
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(big.content(), 1000, 2000));
        var tail = send("GET", "/v2/apps/web/blobs/" + big.digest(), "Range", "bytes=-10");
        assertThat(tail.body())
                .isEqualTo(Arrays.copyOfRange(big.content(), big.content().length - 10, big.content().length));
    }

    /** Large ranges of filesystem blobs go file → direct buffer → socket (BlobBody); same status, headers and bytes. */
    @Test
    void largeRangeIsServedWholeWithItsHeaders() throws Exception {
        int first = 12_345;
        int last = first + 2 * 1024 * 1024 + 99;
        var r = send("GET", "/v2/apps/web/blobs/" + big.digest(), "Range", "bytes=" + first + "-" + last);
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(header(r, "Content-Range")).isEqualTo("bytes " + first + "-" + last + "/" + big.size());
        assertThat(header(r, "Content-Length")).isEqualTo(Integer.toString(last - first + 1));
        assertThat(header(r, "Content-Type")).isEqualTo("application/octet-stream");
        assertThat(header(r, "Docker-Content-Digest")).isEqualTo(big.digest().toString());
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(big.content(), first, last + 1));
    }

    @Test
    void unsatisfiableRangeIs416WithTheSize() throws Exception {
        var r = send("GET", "/v2/apps/web/blobs/" + big.digest(), "Range", "bytes=" + big.size() + "-");
        assertThat(r.statusCode()).isEqualTo(416);
        assertThat(header(r, "Content-Range")).isEqualTo("bytes */" + big.size());
        assertThat(json(r).at("/errors/0/code").asText()).isEqualTo("RANGE_INVALID");
    }

    @Test
    void tagsListPagesWithLinkUntilTheEnd() throws Exception {
        List<String> seen = new ArrayList<>();
        String next = "/v2/apps/web/tags/list?n=2";
        int pages = 0;
        while (next != null && pages++ < 10) {
            var r = send("GET", next);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r).get("name").asText()).isEqualTo("apps/web");
            json(r).get("tags").forEach(t -> seen.add(t.asText()));
            String link = header(r, "Link");
            next = link == null ? null : link.substring(1, link.indexOf('>'));
            if (link != null) {
                assertThat(link).endsWith(">; rel=\"next\"").contains("n=2");
            }
        }
        assertThat(seen).containsExactly("latest", "t1", "t2", "t3", "t4");
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void tagsListWithoutNReturnsAll() throws Exception {
        var r = send("GET", "/v2/apps/web/tags/list");
        assertThat(json(r).get("tags")).hasSize(5);
        assertThat(header(r, "Link")).isNull();
        var zero = send("GET", "/v2/apps/web/tags/list?n=0");
        assertThat(json(zero).get("tags")).isEmpty();
    }

    @Test
    void catalogPagesWithLink() throws Exception {
        var first = send("GET", "/v2/_catalog?n=2");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(json(first).get("repositories").toString()).isEqualTo("[\"apps/docker-app\",\"apps/web\"]");
        assertThat(header(first, "Link")).isEqualTo("</v2/_catalog?last=apps/web&n=2>; rel=\"next\"");
        var second = send("GET", "/v2/_catalog?last=apps/web&n=2");
        assertThat(json(second).get("repositories").toString()).isEqualTo("[\"multi/arch\"]");
        assertThat(header(second, "Link")).isNull();
    }

    @Test
    void referrersListsArtifactsWithTheirTypeAndAnnotations() throws Exception {
        var r = send("GET", "/v2/apps/web/referrers/" + web.manifest().digest());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "Content-Type")).isEqualTo(MediaTypes.OCI_INDEX);
        JsonNode body = json(r);
        assertThat(body.get("schemaVersion").asInt()).isEqualTo(2);
        assertThat(body.get("mediaType").asText()).isEqualTo(MediaTypes.OCI_INDEX);
        assertThat(body.get("manifests")).hasSize(2);
        List<String> types = new ArrayList<>();
        body.get("manifests").forEach(m -> types.add(m.get("artifactType").asText()));
        assertThat(types).containsExactlyInAnyOrder(SBOM, SIG);
        assertThat(header(r, "OCI-Filters-Applied")).isNull();
    }

    @Test
    void referrersFilterByArtifactTypeSaysSo() throws Exception {
        var r = send(
                "GET",
                "/v2/apps/web/referrers/" + web.manifest().digest() + "?artifactType=" + SBOM.replace("+", "%2B"));
        assertThat(header(r, "OCI-Filters-Applied")).isEqualTo("artifactType");
        JsonNode m = json(r).get("manifests");
        assertThat(m).hasSize(1);
        assertThat(m.get(0).get("digest").asText())
                .isEqualTo(sbom.manifest().digest().toString());
        assertThat(m.get(0).get("size").asLong()).isEqualTo(sbom.manifest().content().length);
        assertThat(m.get(0).at("/annotations/org.example.kind").asText()).isEqualTo("sbom");
    }

    @Test
    void referrersOfASubjectWithoutAnyIsAnEmptyIndex() throws Exception {
        Digest unknown = Digest.sha256("nothing refers to me".getBytes());
        var r = send("GET", "/v2/apps/web/referrers/" + unknown);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).get("manifests")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "POST /v2/apps/web/blobs/uploads/",
                "PUT /v2/apps/web/manifests/latest",
                "PATCH /v2/apps/web/blobs/uploads/abc",
                "DELETE /v2/apps/web/manifests/latest",
                "GET /v2/apps/web/blobs/uploads/abc"
            })
    void writesAre405UnsupportedSayingThisIsAReadReplica(String call) throws Exception {
        String[] mp = call.split(" ");
        var r = send(mp[0], mp[1]);
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(json(r).at("/errors/0/code").asText()).isEqualTo("UNSUPPORTED");
        assertThat(json(r).at("/errors/0/message").asText())
                .contains("read replica")
                .contains("primary");
    }

    @Test
    void unknownsAreTheSpecsCodes() throws Exception {
        assertThat(json(send("GET", "/v2/no/such/manifests/latest"))
                        .at("/errors/0/code")
                        .asText())
                .isEqualTo("NAME_UNKNOWN");
        assertThat(json(send("GET", "/v2/apps/web/manifests/nope"))
                        .at("/errors/0/code")
                        .asText())
                .isEqualTo("MANIFEST_UNKNOWN");
        assertThat(json(send("GET", "/v2/apps/web/blobs/" + Digest.sha256(new byte[1])))
                        .at("/errors/0/code")
                        .asText())
                .isEqualTo("BLOB_UNKNOWN");
        assertThat(json(send("GET", "/v2/no/such/tags/list"))
                        .at("/errors/0/code")
                        .asText())
                .isEqualTo("NAME_UNKNOWN");
        // a blob stored for another repository is not visible here
        assertThat(send("GET", "/v2/apps/docker-app/blobs/" + big.digest()).statusCode())
                .isEqualTo(404);
    }
}
