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
}
