package io.georeg.testkit.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading ctr's {@code --http-dump} as containerd 1.6 writes it (the fixture is cut from a real pull through the router). */
class CtrHttpDumpTest {
    private static String fixture() throws Exception {
        try (InputStream in = CtrHttpDumpTest.class.getResourceAsStream("/ctr/http-dump.log")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void readsEveryExchangeWithItsStatusAndHeadersEvenWhenABodyRunsIntoTheNextLine() throws Exception {
        List<CtrHttpDump.Exchange> exchanges = CtrHttpDump.parse(fixture());

        assertThat(exchanges)
                .extracting(CtrHttpDump.Exchange::toString)
                .containsExactly(
                        "HEAD /v2/ctr/multiarch/manifests/v1 -> 401 (replica)",
                        "POST /jwt/auth -> 405 (auth)",
                        "GET /jwt/auth?scope=repository%3Actr%2Fmultiarch%3Apull&service=two-sites-registry -> 200 (auth)",
                        "GET /v2/ctr/multiarch/blobs/sha256:283c32d220486362cf34eaa334b4a7af8ed97724a9ce713b939cbd90bfeffa5f"
                                + " -> 200 (replica)");
        assertThat(exchanges.getFirst().accept()).startsWith("application/vnd.docker.distribution.manifest.v2+json, ");
        assertThat(exchanges.getFirst().responseHeaders().get("Www-Authenticate"))
                .isEqualTo("Bearer realm=\"http://127.0.0.1:38517/jwt/auth\",service=\"two-sites-registry\","
                        + "scope=\"repository:ctr/multiarch:pull\"");
        assertThat(exchanges.get(2).requestHeaders()).containsEntry("Authorization", "Basic YWxpY2U6czNjcmV0");
        assertThat(exchanges.getLast().responseHeaders()).doesNotContainKey("X-Fake");
    }

    @Test
    void aRequestWithoutItsResponseIsLeftOut() {
        assertThat(CtrHttpDump.parse("time=\"t\" level=info msg=\"GET /v2/ HTTP/1.1\"\n"))
                .isEmpty();
    }
}
