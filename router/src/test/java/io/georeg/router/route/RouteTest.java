package io.georeg.router.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The literal prefix a route checks before its regex never excludes a path the regex would match. */
class RouteTest {

    private static String prefix(String regex) {
        return Route.literalPrefix(Pattern.compile(regex));
    }

    @Test
    void literalPrefixIsTheLeadingPlainTextOfThePattern() {
        assertThat(prefix("/v2/(?<name>[a-z]+)/manifests/x")).isEqualTo("/v2/");
        assertThat(prefix("/metrics")).isEqualTo("/metrics");
        assertThat(prefix("/-/admin/[a-z]+")).isEqualTo("/-/admin/");
    }

    @Test
    void literalPrefixLeavesOutWhatAQuantifierMakesOptional() {
        assertThat(prefix("/v2/?")).isEqualTo("/v2");
        assertThat(prefix("/ab*c")).isEqualTo("/a");
        assertThat(prefix("/ab{0,2}")).isEqualTo("/a");
    }

    @Test
    void literalPrefixIsEmptyForTopLevelAlternationsFlagsAndQuotes() {
        assertThat(prefix("/-/health|/-/ready")).isEmpty();
        assertThat(prefix("(?is)/x")).isEmpty();
        assertThat(prefix(Pattern.quote("/jwt/auth"))).isEmpty();
        assertThat(Route.literalPrefix(Pattern.compile("/x", Pattern.CASE_INSENSITIVE)))
                .isEmpty();
        // An alternation inside a group does not end the prefix before the group.
        assertThat(prefix("/v2/(?:a|b)")).isEqualTo("/v2/");
    }

    private static String infix(String regex) {
        return Route.literalInfix(Pattern.compile(regex));
    }

    @Test
    void literalInfixIsTheLongestPlainTextOutsideGroups() {
        assertThat(infix("/v2/(?<name>[a-z]+(?:/[a-z]+)*)/manifests/(?<reference>[a-z]+)"))
                .isEqualTo("/manifests/");
        assertThat(infix("/v2/(?<name>[a-z/]+)/blobs/uploads/(?:[^/]*)")).isEqualTo("/blobs/uploads/");
        assertThat(infix("/metrics")).isEqualTo("/metrics");
        // A class's brackets and parentheses in it are not text, nor is anything in a group.
        assertThat(infix("/a[)(x]/bc(de)f")).isEqualTo("/bc");
    }

    @Test
    void literalInfixLeavesOutWhatAQuantifierMakesOptionalOrRepeats() {
        assertThat(infix("/v2/?")).isEqualTo("/v2");
        assertThat(infix("/abcd*e")).isEqualTo("/abc");
        // "x+" may be "xx": the run stops after its first x.
        assertThat(infix("/x+yzzz")).isEqualTo("yzzz");
        assertThat(infix("/ab\\.cdef")).isEqualTo("cdef");
    }

    @Test
    void literalInfixIsEmptyWhenCaseOrAlternationMayApply() {
        assertThat(infix("/-/health|/-/ready")).isEmpty();
        assertThat(infix("(?i)/metrics")).isEmpty();
        assertThat(infix("/a(?i:b)/metrics")).isEmpty();
        assertThat(Route.literalInfix(Pattern.compile("/x", Pattern.CASE_INSENSITIVE)))
                .isEmpty();
    }
}
