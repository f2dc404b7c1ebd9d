package io.georeg.read.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.RepositoryName;
import io.georeg.read.ReadOptions;
import io.georeg.read.auth.Authenticator;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the handler in front of Jersey ({@code DirectReads}) decides for manifest and blob reads
 * where Jersey decided otherwise: an {@code Accept} header is read by {@code ManifestAccept}'s
 * rules alone (Jersey refused one it could not parse with a bare 400 and no OCI body, before
 * authorization), a 304 to a {@code HEAD} carries no {@code Content-Type}, a method is matched as
 * sent, and an error has the same {@code Content-Type} on every path.
 */
class DirectReadsIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path storage;

    static final RepositoryName APP = RepositoryName.of("team/app");
    static final String MANIFEST = "/v2/team/app/manifests/latest";

    static ReadStack stack;
    static Digest digest;

    @BeforeAll
    static void start() throws Exception {
        stack = new ReadStack(DB, storage, Authenticator.anonymous(), ReadOptions.loopbackEphemeral());
        TestImage image = TestImages.image(3);
        digest = stack.store(APP, image, "latest");
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    static RawHttp.Reply send(String method, String target, Map<String, String> headers) throws Exception {
        return RawHttp.send(stack.port(), method, target, headers);
    }

    @Test
    void anUnreadableQualityIsIgnoredAsManifestAcceptSays() throws Exception {
        for (String method : List.of("GET", "HEAD")) {
            var r = send(method, MANIFEST, Map.of("Accept", "text/html;q=abc, */*;q=x"));
            assertThat(r.status()).as(method).isEqualTo(200);
            assertThat(r.header("Content-Type")).as(method).isEqualTo(MediaTypes.OCI_MANIFEST);
            assertThat(r.header("Docker-Content-Digest")).as(method).isEqualTo(digest.toString());
        }
    }

    @Test
    void anAcceptThatNamesNoTypeIsTheRefusalWithItsOciBody() throws Exception {
        var r = send("GET", MANIFEST, Map.of("Accept", ";;;,,=="));
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("Content-Type")).isEqualTo("application/json;charset=utf-8");
        assertThat(r.body())
                .contains("\"code\":\"MANIFEST_UNKNOWN\"")
                .contains("OCI manifest found, but accept header does not support OCI manifests");
    }

    @Test
    void notModifiedToAHeadHasTheDigestHeadersAndNoContentType() throws Exception {
        var r = send("HEAD", MANIFEST, Map.of("If-None-Match", '"' + digest.toString() + '"'));
        assertThat(r.status()).isEqualTo(304);
        assertThat(r.header("ETag")).isEqualTo('"' + digest.toString() + '"');
        assertThat(r.header("Docker-Content-Digest")).isEqualTo(digest.toString());
        assertThat(r.header("Content-Type")).isNull();
    }

    @Test
    void aMethodIsMatchedAsSentSoALowerCaseGetIsJerseys405() throws Exception {
        for (String target : List.of(MANIFEST, "/v2/team/app/blobs/" + digest)) {
            var r = send("get", target, Map.of());
            assertThat(r.status()).as(target).isEqualTo(405);
            assertThat(r.body()).as(target).contains("\"code\":\"UNSUPPORTED\"");
        }
    }

    @Test
    void errorsHaveOneContentTypeOnEveryPath() throws Exception {
        var manifest = send("GET", "/v2/team/app/manifests/nope", Map.of());
        var blob = send("GET", "/v2/team/app/blobs/sha256:" + "b".repeat(64), Map.of());
        var tags = send("GET", "/v2/team/nope/tags/list", Map.of());
        assertThat(List.of(manifest.status(), blob.status(), tags.status())).containsOnly(404);
        assertThat(tags.header("Content-Type")).isEqualTo("application/json;charset=utf-8");
        assertThat(manifest.header("Content-Type")).isEqualTo(tags.header("Content-Type"));
        assertThat(blob.header("Content-Type")).isEqualTo(tags.header("Content-Type"));
    }

    @Test
    void aPathGuardRefusalAndJettysOwnRefusalHaveTheContentTypeOfJerseysErrors() throws Exception {
        var guarded = send("GET", "/v2/team/%2e%2e/team/app/manifests/latest", Map.of());
        var jetty = send("GET", "/v2/../../etc/passwd", Map.of());
        var jersey = send("GET", "/v2/team/nope/tags/list", Map.of());
        assertThat(guarded.status()).isEqualTo(400);
        assertThat(guarded.body()).as("PathGuard's body names the raw path").contains("\"detail\":{\"path\":");
        assertThat(jetty.status()).isEqualTo(400);
        assertThat(jetty.body()).contains("\"code\":\"NAME_INVALID\"").doesNotContain("\"detail\"");
        assertThat(jersey.status()).isEqualTo(404);
        assertThat(jersey.header("Content-Type")).isEqualTo("application/json;charset=utf-8");
        assertThat(guarded.header("Content-Type")).isEqualTo(jersey.header("Content-Type"));
        assertThat(jetty.header("Content-Type")).isEqualTo(jersey.header("Content-Type"));
    }
}
