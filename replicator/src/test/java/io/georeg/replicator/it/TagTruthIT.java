package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.oci.Digest;
import io.georeg.oci.Reference;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replica.ReplicaReader;
import io.georeg.replicator.testing.NotificationRelay;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.storage.DistributionLayout;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tag truth against a primary of two distribution instances sharing one storage directory, each
 * notifying georeg on its own (as a production primary behind a load balancer does): instance B's
 * notifications pass through a {@link NotificationRelay} standing for a host whose clock runs five
 * minutes behind. Whatever order, repetition or forgery the events come in, the replica's tags end
 * where the primary's are.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TagTruthIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path temp;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration B_CLOCK_BEHIND = Duration.ofMinutes(-5);
    private static final String REPO = "truth/app";

    private static ReplicatorUnderTest replica;
    private static NotificationRelay relayA;
    private static NotificationRelay relayB;
    private static Distribution instanceA;
    private static Distribution instanceB;
    private static RegistryHttp viaA;
    private static RegistryHttp viaB;

    @BeforeAll
    static void start() throws Exception {
        replica = new ReplicatorUnderTest(DB, temp.resolve("replica"));
        relayA = NotificationRelay.start(replica.intakeUrl(), Duration.ZERO);
        relayB = NotificationRelay.start(replica.intakeUrl(), B_CLOCK_BEHIND);
        DistributionConfig shared =
                DistributionConfig.filesystem(temp.resolve("primary-storage")).withDeleteEnabled(true);
        instanceA = Distribution.start(
                Files.createDirectories(temp.resolve("instance-a")),
                shared.withNotification(DistributionConfig.NotificationEndpoint.bearer(
                        "georeg", relayA.url(), ReplicatorUnderTest.SECRET)));
        instanceB = Distribution.start(
                Files.createDirectories(temp.resolve("instance-b")),
                shared.withNotification(DistributionConfig.NotificationEndpoint.bearer(
                        "georeg", relayB.url(), ReplicatorUnderTest.SECRET)));
        replica.start(instanceA.url(), ReplicatorUnderTest.fastRetries(4));
        viaA = new RegistryHttp(instanceA.url());
        viaB = new RegistryHttp(instanceB.url());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {viaA, viaB, instanceA, instanceB, relayA, relayB, replica}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    @Order(1)
    void aPushThroughTheInstanceWhoseClockRunsBehindStillMovesTheTag() {
        Digest first = push(viaA, REPO, "v1", TestImages.image(1));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> replicaTag(REPO, "v1").equals(Optional.of(first)));

        Digest second = push(viaB, REPO, "v1", TestImages.image(2));

        assertThat(primaryTag(REPO, "v1")).contains(second);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> replicaTag(REPO, "v1").equals(Optional.of(second)));
    }

    @Test
    @Order(2)
    void reSentOldEnvelopesWithNewIdsMoveNoTagAndDeleteNothingThePrimaryStillHas() throws Exception {
        Digest old = push(viaA, REPO, "resent", TestImages.image(3));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> replicaTag(REPO, "resent").equals(Optional.of(old)));
        Digest current = push(viaA, REPO, "resent", TestImages.image(4));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> replicaTag(REPO, "resent").equals(Optional.of(current)));
        JsonNode oldPush = relayA.forwarded().stream()
                .filter(e -> e.path("action").asText().equals("push")
                        && e.path("target").path("tag").asText().equals("resent")
                        && e.path("target").path("digest").asText().equals(old.toString()))
                .findFirst()
                .orElseThrow();

        long before = generation("tag", "resent");
        resendAsNew(oldPush, e -> {});
        awaitApplied("tag", "resent", before);
        assertThat(replicaTag(REPO, "resent")).contains(current);

        before = generation("tag", "resent");
        resendAsNew(oldPush, e -> {
            ((ObjectNode) e).put("action", "delete");
            ((ObjectNode) e)
                    .set(
                            "target",
                            JSON.createObjectNode().put("repository", REPO).put("tag", "resent"));
        });
        awaitApplied("tag", "resent", before);
        assertThat(replicaTag(REPO, "resent")).contains(current);

        before = generation("digest", current.toString());
        resendAsNew(oldPush, e -> {
            ((ObjectNode) e).put("action", "delete");
            ((ObjectNode) e)
                    .set(
                            "target",
                            JSON.createObjectNode().put("repository", REPO).put("digest", current.toString()));
        });
        awaitApplied("digest", current.toString(), before);
        assertThat(replicaTag(REPO, "resent")).contains(current);
    }

    @Test
    @Order(3)
    void racingPushesOfOneTagThroughBothInstancesEndWhereThePrimaryEnds() throws Exception {
        String repo = "truth/race";
        try (ExecutorService racers = Executors.newFixedThreadPool(2)) {
            CompletableFuture<Void> a = CompletableFuture.runAsync(
                    () -> {
                        for (int i = 0; i < 8; i++) {
                            push(viaA, repo, "latest", TestImages.image(100 + i));
                        }
                    },
                    racers);
            CompletableFuture<Void> b = CompletableFuture.runAsync(
                    () -> {
                        for (int i = 0; i < 8; i++) {
                            push(viaB, repo, "latest", TestImages.image(200 + i));
                        }
                    },
                    racers);
            CompletableFuture.allOf(a, b).join();
        }
        // The race's winner is whichever link write came last; a last overwrite through B makes
        // the end state one whose event looks older than the race's events from A.
        Digest last = push(viaB, repo, "latest", TestImages.image(300));

        assertThat(primaryTag(repo, "latest")).contains(last);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> replicaTag(repo, "latest").equals(primaryTag(repo, "latest")));
        await().atMost(Duration.ofSeconds(60))
                .until(() ->
                        DB.queryLong("SELECT count(*) FROM replication_work WHERE state IN ('pending', 'in_progress')")
                                == 0);
        assertThat(replicaTag(repo, "latest"))
                .isEqualTo(primaryTag(repo, "latest"))
                .contains(last);
    }

    private static Digest push(RegistryHttp registry, String repo, String tag, TestImage image) {
        RegistryHttp.Answer answer = registry.push(repo, tag, image);
        assertThat(answer.status())
                .as("push of %s:%s to %s", repo, tag, registry.base())
                .isEqualTo(201);
        return image.manifest().digest();
    }

    @Test
    @Order(4)
    void aReSentPushOfATagAlreadyInPlaceRewritesNothing() throws Exception {
        Digest pushed = push(viaA, REPO, "in-place", TestImages.image(7));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> replicaTag(REPO, "in-place").equals(Optional.of(pushed)));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> DB.queryLong("SELECT count(*) FROM replication_work WHERE repository = '" + REPO
                                + "' AND kind = 'tag' AND ref = 'in-place' AND state = 'done'")
                        == 1);
        Path link = temp.resolve("replica")
                .resolve(DistributionLayout.tagCurrentLink(RepositoryName.of(REPO), Tag.of("in-place"))
                        .value());
        BasicFileAttributes written = Files.readAttributes(link, BasicFileAttributes.class);
        JsonNode push = relayA.forwarded().stream()
                .filter(e -> e.path("action").asText().equals("push")
                        && e.path("target").path("tag").asText().equals("in-place"))
                .findFirst()
                .orElseThrow();

        long before = generation("tag", "in-place");
        resendAsNew(push, e -> {});
        awaitApplied("tag", "in-place", before);

        assertThat(replicaTag(REPO, "in-place")).contains(pushed);
        BasicFileAttributes after = Files.readAttributes(link, BasicFileAttributes.class);
        // Each link write is a new file renamed into place: the same file, unmodified, was not written again.
        assertThat(after.fileKey()).isEqualTo(written.fileKey());
        assertThat(after.lastModifiedTime()).isEqualTo(written.lastModifiedTime());
    }

    private static Optional<Digest> primaryTag(String repo, String tag) {
        RegistryHttp.Answer head = viaA.headManifest(repo, tag, RegistryHttp.ACCEPT_ALL);
        return head.status() == 404
                ? Optional.empty()
                : Optional.of(head.digest().orElseThrow());
    }

    private static Optional<Digest> replicaTag(String repo, String tag) {
        return replica.reader()
                .manifest(RepositoryName.of(repo), new Reference.ByTag(Tag.of(tag)))
                .map(ReplicaReader.StoredManifest::digest);
    }

    /** Sends {@code event} again as a new event (new id, stamped now), changed by {@code edit}, straight to the intake. */
    private static void resendAsNew(JsonNode event, java.util.function.Consumer<JsonNode> edit) throws Exception {
        ObjectNode copy = event.deepCopy();
        copy.put("id", UUID.randomUUID().toString());
        copy.put("timestamp", Instant.now().toString());
        edit.accept(copy);
        ObjectNode envelope = JSON.createObjectNode();
        ArrayNode events = envelope.putArray("events");
        events.add(copy);
        HttpResponse<String> answer = replica.post(JSON.writeValueAsBytes(envelope));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }

    private static long generation(String kind, String ref) {
        return DB.queryLong("SELECT coalesce(max(generation), 0) FROM replication_work WHERE repository = '" + REPO
                + "' AND kind = '" + kind + "' AND ref = '" + ref + "'");
    }

    /** Waits until a run of the row that began after a request bumped it past {@code before} has finished. */
    private static void awaitApplied(String kind, String ref, long before) {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> DB.queryLong(
                                "SELECT count(*) FROM replication_work WHERE repository = '" + REPO + "' AND kind = '"
                                        + kind + "' AND ref = '" + ref + "' AND generation > " + before
                                        + " AND state = 'done'")
                        == 1);
    }
}
