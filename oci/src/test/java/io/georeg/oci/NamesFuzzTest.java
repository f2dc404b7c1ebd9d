package io.georeg.oci;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the OCI path grammar's parsers — repository names, tags, digests, manifest references and
 * the ambiguous-path check — with arbitrary strings: each either accepts (and then what it
 * accepted prints back as the same text and passes its own validity check) or refuses with an
 * {@link OciException}; any other exception is a finding. The build replays its corpus in
 * {@code NamesFuzzTestInputs/}; {@code scripts/fuzz} fuzzes it, and crashes are kept there.
 */
public class NamesFuzzTest {

    @FuzzTest(maxDuration = "5s")
    void namesTagsDigestsAndReferences(FuzzedDataProvider data) {
        fuzzerTestOneInput(data);
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        int which = data.consumeInt(0, 4);
        String text = data.consumeRemainingAsString();
        try {
            switch (which) {
                case 0 -> {
                    RepositoryName name = RepositoryName.of(text);
                    check(name.toString().equals(text) && RepositoryName.isValid(text), "name", text);
                }
                case 1 -> {
                    Tag tag = Tag.of(text);
                    check(tag.value().equals(text) && Tag.isValid(text), "tag", text);
                }
                case 2 -> {
                    Digest digest = Digest.parse(text);
                    check(digest.toString().equals(text) && Digest.looksLikeDigest(text), "digest", text);
                }
                case 3 -> {
                    Reference reference = Reference.parse(text);
                    check(reference.toString().equals(text), "reference", text);
                }
                default -> PathGrammar.ambiguity(text);
            }
        } catch (OciException refused) {
            // the documented answer to bad input
        }
    }

    private static void check(boolean holds, String what, String text) {
        if (!holds) {
            throw new IllegalStateException(what + " accepted but not what was given: " + text);
        }
    }
}
