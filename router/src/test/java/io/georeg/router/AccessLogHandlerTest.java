package io.georeg.router;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A failure's text in the access log is one quoted value whatever it holds: exception messages can
 * carry what a client or an upstream sent. Tried: a quote, a backslash and a line break that would
 * start a forged line, and a text longer than the cut.
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
}
