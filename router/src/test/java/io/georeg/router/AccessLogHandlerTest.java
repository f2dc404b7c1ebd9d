package io.georeg.router;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A failure's text in the access log is one quoted value whatever it holds: exception messages can
 * carry what a client or an upstream sent. Tried: a quote, a backslash and a line break that would
 * start a forged line, and a text longer than the cut. The method and path, the client's own and
 * up to the header limit long, are cut too: tried, a junk method of 16 KiB (refused with 405, and
 * logged) and a path of 4,000 characters.
 */
class AccessLogHandlerTest {
    @Test
    void aFailureTextWithQuotesAndALineBreakStaysOneQuotedValueOnOneLine() {
        StringBuilder line = new StringBuilder("status=502 failure=");
        AccessLogHandler.appendQuoted(line, "java.io.IOException: bad \"header\" C:\\x\nid=forged status=200");

        assertThat(line.toString())
                .isEqualTo(
                        "status=502 failure=\"java.io.IOException: bad \\\"header\\\" C:\\\\x id=forged status=200\"")
                .doesNotContain("\n");
    }

    @Test
    void aLongFailureTextIsCutAndSaysSo() {
        StringBuilder line = new StringBuilder();
        AccessLogHandler.appendQuoted(line, "x".repeat(AccessLogHandler.FAILURE_CHARS + 50));

        assertThat(line.toString()).isEqualTo("\"" + "x".repeat(AccessLogHandler.FAILURE_CHARS) + "…\"");
    }

    @Test
    void aJunkMethodAndAnOverlongPathAreCutAndSaySo() {
        StringBuilder line = new StringBuilder("method=");
        AccessLogHandler.appendCut(line, "p".repeat(16 * 1024) + "GET", AccessLogHandler.METHOD_CHARS);
        line.append(" path=");
        AccessLogHandler.appendCut(line, "/v2/" + "a/".repeat(2000), AccessLogHandler.PATH_CHARS);

        assertThat(line.toString())
                .startsWith("method=" + "p".repeat(AccessLogHandler.METHOD_CHARS) + "… path=/v2/a/a/")
                .endsWith("…")
                .hasSize("method=".length()
                        + AccessLogHandler.METHOD_CHARS
                        + 1
                        + " path=".length()
                        + AccessLogHandler.PATH_CHARS
                        + 1);
    }

    @Test
    void whatFitsIsLoggedWhole() {
        StringBuilder line = new StringBuilder();
        String path = "/v2/" + "n".repeat(255) + "/manifests/sha256:" + "a".repeat(64);
        AccessLogHandler.appendCut(line, path, AccessLogHandler.PATH_CHARS);
        AccessLogHandler.appendCut(line.append(' '), "DELETE", AccessLogHandler.METHOD_CHARS);

        assertThat(line.toString()).isEqualTo(path + " DELETE");
    }
}
