package io.georeg.router.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RouteTableTest {

    private static final String SHA = "sha256:" + "a".repeat(64);
    private final RouteTable table = RouteTable.oci("/jwt/auth");

    static Stream<Arguments> table() {
        return Stream.of(
                // reads go to the replica
                Arguments.of("GET", "/v2/", "base", Destination.REPLICA),
                Arguments.of("HEAD", "/v2/", "base", Destination.REPLICA),
                Arguments.of("GET", "/v2", "base", Destination.REPLICA),
                Arguments.of("GET", "/v2/_catalog?n=10&last=a", "catalog", Destination.REPLICA),
                Arguments.of("GET", "/v2/library/alpine/manifests/latest", "manifest-read", Destination.REPLICA),
                Arguments.of("HEAD", "/v2/library/alpine/manifests/" + SHA, "manifest-read", Destination.REPLICA),
                Arguments.of("GET", "/v2/a/b/c/d/e/f/g/h/manifests/v1.2.3", "manifest-read", Destination.REPLICA),
                Arguments.of("GET", "/v2/foo/manifests/manifests/latest", "manifest-read", Destination.REPLICA),
                Arguments.of("GET", "/v2/library/alpine/blobs/" + SHA, "blob-read", Destination.REPLICA),
                Arguments.of("HEAD", "/v2/group/sub.group/proj_ect/blobs/" + SHA, "blob-read", Destination.REPLICA),
                Arguments.of("GET", "/v2/library/alpine/tags/list?n=5&last=b", "tags-list", Destination.REPLICA),
                Arguments.of(
                        "GET",
                        "/v2/library/alpine/referrers/" + SHA + "?artifactType=x%2Fy",
                        "referrers",
                        Destination.REPLICA),
                // writes go to the primary
                Arguments.of("POST", "/v2/library/alpine/blobs/uploads/", "blob-upload", Destination.PRIMARY),
                Arguments.of(
                        "POST",
                        "/v2/library/alpine/blobs/uploads/?mount=" + SHA + "&from=other/repo",
                        "blob-upload",
                        Destination.PRIMARY),
                Arguments.of(
                        "POST", "/v2/library/alpine/blobs/uploads/?digest=" + SHA, "blob-upload", Destination.PRIMARY),
                Arguments.of(
                        "PATCH",
                        "/v2/library/alpine/blobs/uploads/8c8e2a7e-1f0b-4a7e-9c31-0e6f0a4a1d2b?_state=abc",
                        "blob-upload",
                        Destination.PRIMARY),
                Arguments.of(
                        "PUT",
                        "/v2/library/alpine/blobs/uploads/8c8e2a7e?digest=" + SHA,
                        "blob-upload",
                        Destination.PRIMARY),
                Arguments.of("GET", "/v2/library/alpine/blobs/uploads/8c8e2a7e", "blob-upload", Destination.PRIMARY),
                Arguments.of("DELETE", "/v2/library/alpine/blobs/uploads/8c8e2a7e", "blob-upload", Destination.PRIMARY),
                Arguments.of("PUT", "/v2/library/alpine/manifests/latest", "manifest-write", Destination.PRIMARY),
                Arguments.of("DELETE", "/v2/library/alpine/manifests/" + SHA, "manifest-write", Destination.PRIMARY),
                Arguments.of("DELETE", "/v2/library/alpine/blobs/" + SHA, "blob-delete", Destination.PRIMARY),
                // token endpoint
                Arguments.of("GET", "/jwt/auth?service=registry&scope=repository:a:pull", "token", Destination.AUTH),
                Arguments.of("POST", "/jwt/auth", "token", Destination.AUTH),
                // the router's own endpoints
                Arguments.of("GET", "/-/health", "health", Destination.LOCAL),
                Arguments.of("GET", "/-/ready", "health", Destination.LOCAL),
                Arguments.of("GET", "/metrics", "metrics", Destination.LOCAL),
                Arguments.of("GET", "/-/status", "status", Destination.LOCAL),
                Arguments.of("HEAD", "/-/status.json", "status", Destination.LOCAL),
                Arguments.of("GET", "/-/statusXjson", "default-primary", Destination.PRIMARY),
                Arguments.of("GET", "/-/admin/mode", "admin", Destination.LOCAL),
                Arguments.of("PUT", "/-/admin/mode", "admin", Destination.LOCAL),
                Arguments.of("PUT", "/-/admin/primary", "admin", Destination.LOCAL),
                Arguments.of("POST", "/-/admin/mode", "default-primary", Destination.PRIMARY),
                Arguments.of("PUT", "/-/admin/../v2/x/manifests/latest", "ambiguous-path", Destination.REJECT),
                Arguments.of("PUT", "/-/admin/mode/extra", "default-primary", Destination.PRIMARY),
                // OPTIONS (a browser's CORS preflight): never the replica, the primary decides
                Arguments.of("OPTIONS", "/v2/library/alpine/manifests/latest", "default-primary", Destination.PRIMARY),
                Arguments.of("OPTIONS", "/v2/library/alpine/tags/list", "default-primary", Destination.PRIMARY),
                Arguments.of("OPTIONS", "/jwt/auth", "token", Destination.AUTH),
                // a HEAD the replica does not serve (distribution answers it 405, Allow: GET)
                Arguments.of("HEAD", "/v2/library/alpine/tags/list", "default-primary", Destination.PRIMARY),
                Arguments.of("HEAD", "/v2/_catalog", "default-primary", Destination.PRIMARY),
                // methods the registry API does not use are refused, whatever the path
                Arguments.of("TRACE", "/v2/library/alpine/blobs/" + SHA, "method-not-allowed", Destination.REJECT),
                Arguments.of("PROPFIND", "/v2/", "method-not-allowed", Destination.REJECT),
                Arguments.of("CONNECT", "/v2/", "method-not-allowed", Destination.REJECT),
                Arguments.of("get", "/v2/library/alpine/manifests/latest", "method-not-allowed", Destination.REJECT),
                Arguments.of("pppppppppppppppGET", "/-/status", "method-not-allowed", Destination.REJECT),
                Arguments.of("BREW", "/jwt/auth", "method-not-allowed", Destination.REJECT),
                Arguments.of("TRACE", "/v2/library/../x/manifests/latest", "method-not-allowed", Destination.REJECT),
                Arguments.of("POST", "/v2/library/alpine/manifests/latest", "default-primary", Destination.PRIMARY),
                Arguments.of("PATCH", "/v2/library/alpine/blobs/" + SHA, "default-primary", Destination.PRIMARY),
                // not OCI shaped: the primary decides
                Arguments.of("GET", "/v2/Library/alpine/manifests/latest", "default-primary", Destination.PRIMARY),
                Arguments.of("GET", "/v2/library/alpine/blobs/notadigest", "default-primary", Destination.PRIMARY),
                Arguments.of("GET", "/v2/library/alpine/manifests/-bad", "default-primary", Destination.PRIMARY),
                Arguments.of("GET", "/jwt/auth/extra", "default-primary", Destination.PRIMARY),
                Arguments.of("GET", "/", "default-primary", Destination.PRIMARY),
                // traversal and encoded separators are refused
                Arguments.of("GET", "/v2/library/../secret/manifests/latest", "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "/v2/library/alpine/manifests/..", "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "/v2/./library/manifests/latest", "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "/v2/library/%2e%2e/x/manifests/latest", "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "/v2/library/%2E%2E/x/manifests/latest", "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "/v2/library%2Falpine/manifests/latest", "ambiguous-path", Destination.REJECT),
                Arguments.of("PUT", "/v2/library%2falpine/manifests/latest", "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "/v2/library%5Calpine/manifests/latest", "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "/v2/library\\alpine/manifests/latest", "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "/v2//library/manifests/latest", "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "/v2/a/manifests/latest%00", "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "/jwt/../v2/", "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "v2/", "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "", "ambiguous-path", Destination.REJECT),
                // double encoding and cut-off encodings: registry-read refuses them too (one rule)
                Arguments.of("GET", "/v2/library%252falpine/manifests/latest", "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "/v2/library/alpine/manifests/v1%2541", "ambiguous-path", Destination.REJECT),
                Arguments.of("DELETE", "/v2/a/blobs/%25" + SHA, "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "/v2/a/manifests/latest%2", "ambiguous-path", Destination.REJECT),
                Arguments.of("GET", "/v2/a/manifests/latest%", "ambiguous-path", Destination.REJECT),
                // dots inside components are fine
                Arguments.of("GET", "/v2/a.b/c..d/manifests/x", "default-primary", Destination.PRIMARY),
                Arguments.of("GET", "/v2/a.b/manifests/v1..2", "manifest-read", Destination.REPLICA));
    }

    @ParameterizedTest(name = "{0} {1} -> {2} ({3})")
    @MethodSource("table")
    void classifiesByMethodAndRawPath(String method, String target, String routeId, Destination destination) {
        RouteMatch match = table.classify(method, target);
        assertThat(match.routeId().label()).isEqualTo(routeId);
        assertThat(match.destination()).isEqualTo(destination);
    }

    @Test
    void capturesRepositoryAndReferenceOfManifestRoutes() {
        RouteMatch read = table.classify("GET", "/v2/group/sub/app/manifests/v1?x=y");
        assertThat(read.repository()).isEqualTo("group/sub/app");
        assertThat(read.reference()).isEqualTo("v1");

        RouteMatch put = table.classify("PUT", "/v2/a/manifests/" + SHA);
        assertThat(put.repository()).isEqualTo("a");
        assertThat(put.reference()).isEqualTo(SHA);

        RouteMatch upload = table.classify("POST", "/v2/a/b/blobs/uploads/?mount=" + SHA + "&from=c");
        assertThat(upload.repository()).isEqualTo("a/b");
        assertThat(upload.reference()).isNull();
    }

    @Test
    void nameWithManyComponentsIsClassifiedWithoutBlowingUp() {
        String name = String.join("/", java.util.Collections.nCopies(60, "a-b_c.d"));
        RouteMatch match = table.classify("GET", "/v2/" + name + "/manifests/latest");
        assertThat(match.routeId().label()).isEqualTo("manifest-read");
        assertThat(match.repository()).isEqualTo(name);

        String tooLong = "/v2/" + "a/".repeat(3000) + "manifests/latest";
        assertThat(table.classify("GET", tooLong).routeId())
                .as("refused, not proxied")
                .isEqualTo(RouteId.PATH_TOO_LONG);
        assertThat(table.classify("GET", tooLong).route().destination()).isEqualTo(Destination.REJECT);
        // Length never exempts a path from the ambiguity check.
        assertThat(table.classify("GET", "/v2/" + "a/".repeat(3000) + "../manifests/latest")
                        .routeId())
                .isEqualTo(RouteId.AMBIGUOUS_PATH);
    }

    @Test
    void rememberedClassificationsAnswerAsMatchingDoes() {
        // More paths than memo slots, asked twice in two orders: slots are shared and overwritten,
        // and a path may come back with another method or query.
        java.util.List<String[]> requests = new java.util.ArrayList<>();
        for (int i = 0; i < RouteTable.MEMO_SLOTS * 3; i++) {
            String method = i % 3 == 0 ? "GET" : i % 3 == 1 ? "PUT" : "HEAD";
            String path = switch (i % 4) {
                case 0 -> "/v2/repo" + i + "/manifests/v" + i;
                case 1 -> "/v2/repo" + i + "/blobs/" + SHA;
                case 2 -> "/v2/repo" + (i / 4) + "/tags/list?n=" + i;
                default -> "/v2/repo" + (i / 8) + "/manifests/../x" + i;
            };
            requests.add(new String[] {method, path});
        }
        for (int pass = 0; pass < 2; pass++) {
            for (String[] r : requests) {
                RouteMatch expected = RouteTable.oci("/jwt/auth").classify(r[0], r[1]);
                RouteMatch actual = table.classify(r[0], r[1]);
                assertThat(List.of(
                                actual.routeId(),
                                String.valueOf(actual.repository()),
                                String.valueOf(actual.reference())))
                        .as("%s %s", r[0], r[1])
                        .isEqualTo(List.of(
                                expected.routeId(),
                                String.valueOf(expected.repository()),
                                String.valueOf(expected.reference())));
            }
            java.util.Collections.reverse(requests);
        }
        assertThat(table.classify("GET", "/v2/a/manifests/latest").routeId()).isEqualTo(RouteId.MANIFEST_READ);
        assertThat(table.classify("PUT", "/v2/a/manifests/latest").routeId()).isEqualTo(RouteId.MANIFEST_WRITE);
        assertThat(table.classify("GET", "/v2/a/manifests/latest?x").routeId()).isEqualTo(RouteId.MANIFEST_READ);
    }

    @Test
    void configuredAuthPathIsTheTokenRoute() {
        RouteTable custom = RouteTable.oci("/auth/token");
        assertThat(custom.classify("GET", "/auth/token?scope=x").destination()).isEqualTo(Destination.AUTH);
        assertThat(custom.classify("GET", "/jwt/auth").destination()).isEqualTo(Destination.PRIMARY);
    }

    @Test
    void authPathInsideTheRegistryApiIsRefused() {
        assertThatThrownBy(() -> RouteTable.oci("/v2/token")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RouteTable.oci("jwt/auth")).isInstanceOf(IllegalArgumentException.class);
    }
}
