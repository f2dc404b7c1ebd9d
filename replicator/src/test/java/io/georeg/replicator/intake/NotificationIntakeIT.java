package io.georeg.replicator.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.db.Database;
import io.georeg.replicator.testing.JettyServers;
import io.georeg.replicator.testing.NotificationFixtures;
import io.georeg.replicator.testing.ReplicatorDatabase;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.TcpRelay;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The intake endpoint against a real PostgreSQL, fed the real envelopes distribution 2.8 sent. */
class NotificationIntakeIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    private static final String SECRET = "intake-test-secret-0123456789";
    private static final ConcurrentHashMap<String, AtomicInteger> OUTCOMES = new ConcurrentHashMap<>();
    private static Database database;
    private static Server server;
    private static HttpClient http;
    private static URI events;

    @BeforeAll
    static void start() throws Exception {
        database = ReplicatorDatabase.start(DB);
        IntakeHandler handler = new IntakeHandler(
                IntakeConfig.withSecret(SECRET).withMaxBodyBytes(64 * 1024),
                new EventStore(database),
                (outcome, n) -> OUTCOMES.computeIfAbsent(outcome.label(), k -> new AtomicInteger())
                        .incrementAndGet());
        server = JettyServers.start(handler);
        events = URI.create("http://127.0.0.1:" + JettyServers.port(server) + "/events");
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() throws Exception {
        http.close();
        server.stop();
        database.close();
    }

    @BeforeEach
    void emptyQueue() {
        ReplicatorDatabase.truncateQueue(DB);
    }

    /** Requests the intake reported with {@code outcome} so far, by every test of the class. */
    private static int outcomeCount(String outcome) {
        AtomicInteger count = OUTCOMES.get(outcome);
        return count == null ? 0 : count.get();
    }

    static List<String> envelopes() {
        return NotificationFixtures.envelopeNames();
    }

    @ParameterizedTest
    @MethodSource("envelopes")
    void everyCapturedEnvelopeIsCommittedBeforeTheAnswer(String fixture) throws Exception {
        HttpResponse<String> r =
                post(NotificationFixtures.bytes(fixture), "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String id =
                EnvelopeParser.parse(NotificationFixtures.bytes(fixture)).get(0).id();
        assertThat(DB.queryLong("SELECT count(*) FROM replication_event WHERE event_id = '" + id + "'"))
                .isEqualTo(1);
    }

    @Test
    void plainJsonContentTypeIsAcceptedToo() throws Exception {
        assertThat(post(
                                NotificationFixtures.bytes("push-blob.json"),
                                "Bearer " + SECRET,
                                "application/json; charset=utf-8")
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void redeliveredEventIsStoredAndQueuedOnce() throws Exception {
        byte[] body = NotificationFixtures.bytes("retry-redelivered.json");
        HttpResponse<String> first = post(body, "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE);
        HttpResponse<String> again = post(body, "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE);
        HttpResponse<String> third = post(body, "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE);
        assertThat(List.of(first.statusCode(), again.statusCode(), third.statusCode()))
                .containsOnly(200);
        assertThat(first.body()).contains("\"accepted\":1");
        assertThat(again.body()).contains("\"duplicates\":1").contains("\"accepted\":0");
        assertThat(DB.queryLong("SELECT count(*) FROM replication_event")).isEqualTo(1);
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work")).isEqualTo(1);
        assertThat(DB.queryLong("SELECT generation FROM replication_work")).isEqualTo(1);
    }

    @Test
    void pullsAreCountedNotQueued() throws Exception {
        for (String fixture : List.of("pull-blob-get.json", "pull-blob-head.json", "pull-manifest-get-tag.json")) {
            assertThat(post(NotificationFixtures.bytes(fixture), "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE)
                            .statusCode())
                    .isEqualTo(200);
        }
        post(
                NotificationFixtures.bytes("pull-blob-get.json"),
                "Bearer " + SECRET,
                IntakeHandler.EVENTS_MEDIA_TYPE); // re-send
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work")).isZero();
        assertThat(DB.queryLong("SELECT sum(pulls) FROM pull_counter")).isEqualTo(3);
    }

    @Test
    void deletesQueueADigestDeleteAndATagDelete() throws Exception {
        post(NotificationFixtures.bytes("delete-manifest.json"), "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE);
        post(NotificationFixtures.bytes("delete-tag.json"), "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE);
        post(NotificationFixtures.bytes("delete-blob.json"), "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE);
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE operation = 'delete' AND kind = 'digest'"))
                .isEqualTo(2);
        assertThat(DB.queryText("SELECT ref FROM replication_work WHERE operation = 'delete' AND kind = 'tag'"))
                .isEqualTo("v3");
    }

    @Test
    void tagOverwriteCoalescesIntoOneItemPointingAtTheNewDigest() throws Exception {
        post(
                NotificationFixtures.bytes("push-manifest-oci-tag.json"),
                "Bearer " + SECRET,
                IntakeHandler.EVENTS_MEDIA_TYPE);
        post(
                NotificationFixtures.bytes("push-tag-overwrite.json"),
                "Bearer " + SECRET,
                IntakeHandler.EVENTS_MEDIA_TYPE);
        String newDigest = EnvelopeParser.parse(NotificationFixtures.bytes("push-tag-overwrite.json"))
                .get(0)
                .digest()
                .orElseThrow()
                .toString();
        assertThat(
                        DB.queryLong(
                                "SELECT count(*) FROM replication_work WHERE repository = 'corpus/app-00' AND kind = 'tag' AND ref = 'v1'"))
                .isEqualTo(1);
        assertThat(DB.queryText("SELECT digest FROM replication_work WHERE kind = 'tag' AND ref = 'v1'"))
                .isEqualTo(newDigest);
        assertThat(DB.queryLong("SELECT generation FROM replication_work WHERE kind = 'tag' AND ref = 'v1'"))
                .isEqualTo(2);
    }

    @Test
    void anOlderEventArrivingLateDoesNotOverrideANewerOne() throws Exception {
        post(
                NotificationFixtures.bytes("push-tag-overwrite.json"),
                "Bearer " + SECRET,
                IntakeHandler.EVENTS_MEDIA_TYPE);
        post(
                NotificationFixtures.bytes("push-manifest-oci-tag.json"),
                "Bearer " + SECRET,
                IntakeHandler.EVENTS_MEDIA_TYPE);
        String newDigest = EnvelopeParser.parse(NotificationFixtures.bytes("push-tag-overwrite.json"))
                .get(0)
                .digest()
                .orElseThrow()
                .toString();
        assertThat(DB.queryText("SELECT digest FROM replication_work WHERE kind = 'tag' AND ref = 'v1'"))
                .isEqualTo(newDigest);
    }

    @Test
    void eventsOfRepositoriesSelectiveSyncExcludesAreRecordedButQueueNothing() {
        EventStore filtered = new EventStore(
                database,
                new io.georeg.replicator.reconcile.RepositoryFilter(
                        List.of(), List.of("corpus/**"), List.of(io.georeg.oci.RepositoryName.of("corpus/app-01"))));
        EventStore.Recorded excluded =
                filtered.record(EnvelopeParser.parse(NotificationFixtures.bytes("push-manifest-oci-tag.json")));
        EventStore.Recorded preheated =
                filtered.record(EnvelopeParser.parse(NotificationFixtures.bytes("mount-blob.json")));
        assertThat(excluded.newEvents()).isEqualTo(1);
        assertThat(excluded.workQueued()).isZero();
        assertThat(preheated.workQueued())
                .as("corpus/app-01 is preheated: replicated regardless")
                .isEqualTo(1);
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE repository = 'corpus/app-00'"))
                .isZero();
    }

    @Test
    void wrongOrMissingSecretIsRefusedAndNothingIsStored() throws Exception {
        byte[] body = NotificationFixtures.bytes("push-blob.json");
        HttpResponse<String> wrong = post(body, "Bearer not-the-secret", IntakeHandler.EVENTS_MEDIA_TYPE);
        HttpResponse<String> prefix =
                post(body, "Bearer " + SECRET.substring(0, SECRET.length() - 1), IntakeHandler.EVENTS_MEDIA_TYPE);
        HttpResponse<String> missing = post(body, null, IntakeHandler.EVENTS_MEDIA_TYPE);
        assertThat(List.of(wrong.statusCode(), prefix.statusCode(), missing.statusCode()))
                .containsOnly(401);
        assertThat(wrong.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(DB.queryLong("SELECT count(*) FROM replication_event")).isZero();
        assertThat(OUTCOMES.get("unauthorized").get()).isGreaterThanOrEqualTo(3);
    }

    /**
     * A sender without the secret that asks {@code Expect: 100-continue} is refused before it is
     * ever told to send the body: the first (and only) answer is the 401, never a 100 followed by
     * a reset. Raw socket, so that no client library handles the interim response.
     */
    @Test
    void missingSecretIsRefusedBefore100Continue() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", events.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + IntakeHandler.EVENTS_MEDIA_TYPE
                            + "\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(in.readLine()).startsWith("HTTP/1.1 401");
            String line;
            List<String> headers = new ArrayList<>();
            while ((line = in.readLine()) != null && !line.isEmpty()) {
                headers.add(line.toLowerCase(Locale.ROOT));
            }
            assertThat(headers).contains("connection: close");
        }
        assertThat(DB.queryLong("SELECT count(*) FROM replication_event")).isZero();
    }

    @Test
    void malformedBodyIsRefusedWithAReasonAndNothingIsStored() throws Exception {
        String noDigest = new String(NotificationFixtures.bytes("push-blob.json"), StandardCharsets.UTF_8)
                .replaceAll("\"digest\": \"[^\"]+\",", "");
        List<HttpResponse<String>> answers = new ArrayList<>();
        answers.add(post(
                "{\"events\": [".getBytes(StandardCharsets.UTF_8),
                "Bearer " + SECRET,
                IntakeHandler.EVENTS_MEDIA_TYPE));
        answers.add(
                post(noDigest.getBytes(StandardCharsets.UTF_8), "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE));
        for (HttpResponse<String> r : answers) {
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
            assertThat(r.body()).contains("\"error\":\"malformed\"").contains("\"reason\":");
        }
        assertThat(answers.get(1).body()).contains("without target.digest");
        assertThat(DB.queryLong("SELECT count(*) FROM replication_event")).isZero();
    }

    /**
     * An envelope whose events are partly unreadable (an invalid repository name with '..', a digest
     * of upper-case hex too short) around a good push: the push was lost with them, the whole
     * envelope answered 400 "events[0].target.repository is not a valid repository name" and nothing
     * recorded, and since the registry re-sends what it was refused, the same 400 again every time.
     * Now the push is recorded and queued, the others are refused in the answer with their reasons.
     */
    @Test
    void readableEventsBesideUnreadableOnesAreRecordedAndTheOthersRefused() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode push = json.readTree(NotificationFixtures.bytes("push-manifest-oci-tag.json"))
                .get("events")
                .get(0);
        ObjectNode good = push.deepCopy();
        good.put("id", "mixed-good");
        ObjectNode badName = push.deepCopy();
        badName.put("id", "mixed-bad-name");
        ((ObjectNode) badName.get("target")).put("repository", "Team/../app");
        ObjectNode badDigest = push.deepCopy();
        badDigest.put("id", "mixed-bad-digest");
        ((ObjectNode) badDigest.get("target")).put("digest", "sha256:ABC");
        ObjectNode envelope = json.createObjectNode();
        envelope.putArray("events").add(badName).add(good).add(badDigest);

        int partlyMalformedBefore = outcomeCount("partly_malformed");
        HttpResponse<String> r =
                post(json.writeValueAsBytes(envelope), "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = json.readTree(r.body());
        assertThat(answer.path("accepted").asInt()).isEqualTo(1);
        assertThat(answer.path("refused")).hasSize(2);
        assertThat(answer.path("refused").get(0).asText()).contains("events[0].target.repository");
        assertThat(answer.path("refused").get(1).asText()).contains("events[2].target.digest");
        assertThat(DB.queryLong("SELECT count(*) FROM replication_event WHERE event_id = 'mixed-good'"))
                .isEqualTo(1);
        assertThat(DB.queryLong("SELECT count(*) FROM replication_event")).isEqualTo(1);
        assertThat(DB.queryLong("SELECT count(*) FROM replication_work")).isEqualTo(1);
        assertThat(outcomeCount("partly_malformed"))
                .as("counted apart, where the rejected-notifications alert sees it")
                .isEqualTo(partlyMalformedBefore + 1);
    }

    /**
     * Events the database cannot store, beside a good one: a NUL character (in the actor's name; the
     * event is kept as jsonb) and a timestamp in the year 300000 (Instant.parse takes it, PostgreSQL
     * does not). The insert failed: 500 "recording the events failed" with a stack trace logged,
     * nothing recorded, and the registry's re-sends failed the same way forever.
     */
    @Test
    void eventsTheDatabaseCannotStoreAreRefusedAndTheOthersRecorded() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode push = (ObjectNode) json.readTree(NotificationFixtures.bytes("push-blob.json"))
                .get("events")
                .get(0);
        ObjectNode nul = push.deepCopy();
        nul.put("id", "store-nul");
        nul.putObject("actor").put("name", "evil\u0000user");
        ObjectNode farFuture = push.deepCopy();
        farFuture.put("id", "store-far-future");
        farFuture.put("timestamp", "+300000-01-01T00:00:00Z");
        ObjectNode good = push.deepCopy();
        good.put("id", "store-good");
        ObjectNode envelope = json.createObjectNode();
        envelope.putArray("events").add(nul).add(farFuture).add(good);

        HttpResponse<String> r =
                post(json.writeValueAsBytes(envelope), "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode refused = json.readTree(r.body()).path("refused");
        assertThat(refused.get(0).asText()).contains("events[0] contains a NUL character");
        assertThat(refused.get(1).asText()).contains("events[1].timestamp is not an RFC 3339 time");
        assertThat(DB.queryLong("SELECT count(*) FROM replication_event WHERE event_id = 'store-good'"))
                .isEqualTo(1);
        assertThat(DB.queryLong("SELECT count(*) FROM replication_event")).isEqualTo(1);
    }

    /** Thousands of unreadable events beside a good one: the answer (and log line) names ten, not all. */
    @Test
    void manyUnreadableEventsAreCountedNotAllListed() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode good = (ObjectNode) json.readTree(NotificationFixtures.bytes("push-blob.json"))
                .get("events")
                .get(0);
        ObjectNode envelope = json.createObjectNode();
        var events = envelope.putArray("events").add(good);
        for (int i = 0; i < 5000; i++) {
            events.add(i);
        }

        HttpResponse<String> r =
                post(json.writeValueAsBytes(envelope), "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode refused = json.readTree(r.body()).path("refused");
        assertThat(refused).hasSize(IntakeHandler.MAX_REASONS + 1);
        assertThat(refused.get(0).asText()).isEqualTo("events[1] is not an object");
        assertThat(refused.get(IntakeHandler.MAX_REASONS).asText()).isEqualTo("and 4990 more");
        assertThat(DB.queryLong("SELECT count(*) FROM replication_event")).isEqualTo(1);
    }

    @Test
    void oversizedBodyIsRefusedWith413() throws Exception {
        byte[] big = new byte[128 * 1024];
        java.util.Arrays.fill(big, (byte) ' ');
        HttpResponse<String> r = post(big, "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(DB.queryLong("SELECT count(*) FROM replication_event")).isZero();
    }

    @Test
    void otherContentTypesAreRefusedWith415() throws Exception {
        assertThat(post(NotificationFixtures.bytes("push-blob.json"), "Bearer " + SECRET, "text/plain")
                        .statusCode())
                .isEqualTo(415);
    }

    @Test
    void unreachableDatabaseAnswers503AndTheResendIsAcceptedOnceItIsBack() throws Exception {
        int pgPort = URI.create(DB.jdbcUrl().substring("jdbc:".length())).getPort();
        try (TcpRelay pg = TcpRelay.to("127.0.0.1", pgPort)) {
            String url = DB.jdbcUrl().replace(":" + pgPort + "/", ":" + pg.port() + "/");
            try (Database viaForwarder = ReplicatorDatabase.start(url, DB)) {
                Server second = JettyServers.start(new IntakeHandler(
                        IntakeConfig.withSecret(SECRET), new EventStore(viaForwarder), IntakeObserver.NONE));
                try {
                    URI uri = URI.create("http://127.0.0.1:" + JettyServers.port(second) + "/events");
                    byte[] body = NotificationFixtures.bytes("push-manifest-oci-tag.json");
                    pg.cut();
                    HttpResponse<String> down = post(uri, body, "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE);
                    assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
                    assertThat(down.headers().firstValue("Retry-After")).contains("1");
                    pg.restore();
                    // distribution re-sends the same body until it gets a 2xx; the pool reconnects.
                    HttpResponse<String> up = post(uri, body, "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE);
                    for (int i = 0; i < 20 && up.statusCode() == 503; i++) {
                        up = post(uri, body, "Bearer " + SECRET, IntakeHandler.EVENTS_MEDIA_TYPE);
                    }
                    assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
                    assertThat(DB.queryLong("SELECT count(*) FROM replication_work WHERE kind = 'tag' AND ref = 'v1'"))
                            .isEqualTo(1);
                } finally {
                    second.stop();
                }
            }
        }
    }

    private static HttpResponse<String> post(byte[] body, String authorization, String contentType) throws Exception {
        return post(events, body, authorization, contentType);
    }

    private static HttpResponse<String> post(URI uri, byte[] body, String authorization, String contentType)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
