package io.georeg.replicator.intake;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the notification envelope parser, which reads what reaches the intake from the network:
 * arbitrary bytes, and envelopes of distribution's shape whose field values are arbitrary (so the
 * fuzzer gets past the JSON syntax to the field checks). A body is parsed into events or refused
 * with a {@link MalformedEnvelopeException} (400 at the intake); any other exception would be a
 * 500 and a stack trace per request. Regression inputs in {@code EnvelopeParserFuzzTestInputs/}.
 */
public class EnvelopeParserFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] ACTIONS = {"push", "pull", "delete", "mount"};

    @FuzzTest(maxDuration = "5s")
    void envelopes(FuzzedDataProvider data) {
        fuzzerTestOneInput(data);
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        byte[] body = data.consumeBoolean() ? shaped(data) : data.consumeRemainingAsBytes();
        try {
            EnvelopeParser.parse(body);
        } catch (MalformedEnvelopeException refused) {
            // 400 at the intake: the documented answer
        }
    }

    /** {"events":[{id, timestamp, action, target{repository, tag, digest, mediaType, url}}]} with fuzzed values. */
    private static byte[] shaped(FuzzedDataProvider data) {
        ObjectNode envelope = JSON.createObjectNode();
        var events = envelope.putArray("events");
        int count = data.consumeInt(0, 3);
        for (int i = 0; i < count; i++) {
            ObjectNode event = events.addObject();
            event.put("id", data.consumeString(40));
            event.put("timestamp", data.consumeBoolean() ? "2026-12-05T10:00:00Z" : data.consumeString(40));
            event.put("action", data.consumeBoolean() ? data.pickValue(ACTIONS) : data.consumeString(10));
            ObjectNode target = event.putObject("target");
            target.put("repository", data.consumeString(40));
            if (data.consumeBoolean()) {
                target.put("tag", data.consumeString(40));
            }
            target.put("digest", data.consumeBoolean() ? "sha256:" + "a".repeat(64) : data.consumeString(80));
            target.put("mediaType", data.consumeString(80));
            target.put("size", data.consumeLong());
            target.put("url", data.consumeString(80));
        }
        return envelope.toString().getBytes(StandardCharsets.UTF_8);
    }
}
