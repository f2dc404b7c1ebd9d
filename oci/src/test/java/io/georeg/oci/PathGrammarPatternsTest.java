package io.georeg.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * PathGrammar's patterns are written for speed (possessive and reluctant quantifiers): they must
 * accept exactly what the spec's plain forms accept, and split a route path the same way.
 */
class PathGrammarPatternsTest {
    // The OCI distribution spec's grammar, written as the spec writes it.
    private static final String SPEC_COMPONENT = "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*";
    private static final String SPEC_NAME = SPEC_COMPONENT + "(?:/" + SPEC_COMPONENT + ")*";
    private static final String SPEC_DIGEST = "[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+";

    private static final String NAME_ALPHABET = "ab09._-/";
    private static final String DIGEST_ALPHABET = "az09+._-:=AZ/";
    private static final int SAMPLES = 200_000;

    @Test
    void namesAndDigestsAcceptWhatTheSpecsFormsAccept() {
        Pattern name = Pattern.compile(PathGrammar.NAME);
        Pattern specName = Pattern.compile(SPEC_NAME);
        Pattern digest = Pattern.compile(PathGrammar.DIGEST);
        Pattern specDigest = Pattern.compile(SPEC_DIGEST);
        SplittableRandom random = new SplittableRandom(20261207);
        int names = 0;
        int digests = 0;
        for (int i = 0; i < SAMPLES; i++) {
            String n = randomString(random, NAME_ALPHABET, 12);
            boolean spec = specName.matcher(n).matches();
            assertThat(name.matcher(n).matches()).as("name %s", n).isEqualTo(spec);
            names += spec ? 1 : 0;
            String d = randomString(random, DIGEST_ALPHABET, 12);
            spec = specDigest.matcher(d).matches();
            assertThat(digest.matcher(d).matches()).as("digest %s", d).isEqualTo(spec);
            digests += spec ? 1 : 0;
        }
        // Both sides of each comparison were exercised: many strings are in the grammar, most are not.
        assertThat(names).isBetween(SAMPLES / 100, SAMPLES / 2);
        assertThat(digests).isBetween(SAMPLES / 1000, SAMPLES / 2);
    }

    @Test
    void aRoutePathSplitsIntoTheSameNameAndReference() {
        String suffix = "/manifests/(?<reference>" + PathGrammar.TAG + "|" + PathGrammar.DIGEST + ")";
        String specSuffix = "/manifests/(?<reference>" + PathGrammar.TAG + "|" + SPEC_DIGEST + ")";
        Pattern route = Pattern.compile("/v2/(?<name>" + PathGrammar.NAME + ")" + suffix);
        Pattern specRoute = Pattern.compile("/v2/(?<name>" + SPEC_NAME + ")" + specSuffix);
        SplittableRandom random = new SplittableRandom(7);
        String[] parts = {"a", "b0", "manifests", "x-y", "c.d", "e__f", "sha256:ab", "blobs", "_z", "9"};
        int matched = 0;
        for (int i = 0; i < SAMPLES / 4; i++) {
            StringBuilder path = new StringBuilder("/v2");
            int n = 1 + random.nextInt(6);
            for (int k = 0; k < n; k++) {
                path.append('/').append(parts[random.nextInt(parts.length)]);
            }
            String p = path.toString();
            Matcher ours = route.matcher(p);
            Matcher spec = specRoute.matcher(p);
            boolean specMatches = spec.matches();
            assertThat(ours.matches()).as(p).isEqualTo(specMatches);
            if (specMatches) {
                matched++;
                assertThat(ours.group("name")).as(p).isEqualTo(spec.group("name"));
                assertThat(ours.group("reference")).as(p).isEqualTo(spec.group("reference"));
            }
        }
        assertThat(matched).isGreaterThan(SAMPLES / 200);
    }

    private static String randomString(SplittableRandom random, String alphabet, int maxLength) {
        int length = random.nextInt(maxLength + 1);
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }
}
