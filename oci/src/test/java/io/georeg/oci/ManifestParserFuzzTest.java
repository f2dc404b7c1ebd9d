package io.georeg.oci;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link ManifestParser#parse} with arbitrary bytes under each media type georeg stores,
 * none, or an arbitrary one: a manifest is parsed or refused with an {@link OciException}
 * ({@code MANIFEST_INVALID}); any other exception (a parser error leaking out, a
 * {@code NullPointerException} on a missing field) is a finding. Regression inputs in
 * {@code ManifestParserFuzzTestInputs/}.
 */
public class ManifestParserFuzzTest {
    private static final String[] MEDIA_TYPES = {
        MediaTypes.OCI_MANIFEST,
        MediaTypes.OCI_INDEX,
        MediaTypes.DOCKER_MANIFEST,
        MediaTypes.DOCKER_MANIFEST_LIST,
        null,
    };

    @FuzzTest(maxDuration = "5s")
    void manifests(FuzzedDataProvider data) {
        fuzzerTestOneInput(data);
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        String mediaType = data.consumeBoolean() ? data.pickValue(MEDIA_TYPES) : data.consumeString(64);
        byte[] raw = data.consumeRemainingAsBytes();
        try {
            ParsedManifest parsed = ManifestParser.parse(raw, mediaType);
            if (parsed.mediaType() == null) {
                throw new IllegalStateException("a parsed manifest without a media type");
            }
        } catch (OciException refused) {
            // MANIFEST_INVALID and friends: the documented answer
        }
    }
}
