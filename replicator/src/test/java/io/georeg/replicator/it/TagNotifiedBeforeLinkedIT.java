package io.georeg.replicator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.oci.Digest;
import io.georeg.ops.Closing;
import io.georeg.replicator.testing.NotificationFixtures;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.oci.TestImages;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.HoldingProxy;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * distribution notifies a tag push once the manifest is stored and links the tag after that, so
 * the replicator can ask the primary for the tag before the primary shows the push. Seen in
 * fresh-clone runs of the suite: a tag's work row done after one attempt, the image on the primary,
 * the replica without the tag, for good (PodmanClientIT, JibClientIT, OutageTokensIT, FailoverIT).
 *
 * <p>Here the race is made certain with the real parts: a real distribution primary (without
 * notifications of its own) holds the manifest by digest only; the replicator, which reads the
 * primary through a {@link HoldingProxy}, receives the tag push event distribution would send (a
 * captured one, pointed at this image); the primary's answer to the worker's first read of the tag
 * (not there yet, or its old digest) is held while the test links the tag on the primary, as
 * distribution does a moment after notifying, and then passed on. Nothing else tells the
 * replicator about the tag, so it replicates only if the worker did not take that answer as the
 * truth.
 */
class TagNotifiedBeforeLinkedIT {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    @TempDir
    static Path temp;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ReplicatorUnderTest replica;
    private static Distribution primary;
    private static HoldingProxy primaryAsTheReplicatorSeesIt;
    private static RegistryHttp registry;

    @BeforeAll
    static void start() throws Exception {
        replica = new ReplicatorUnderTest(DB, temp.resolve("replica"));
        primary = Distribution.storingUnder(temp.resolve("primary"), config -> config.withDeleteEnabled(true));
        primaryAsTheReplicatorSeesIt = HoldingProxy.to(primary.url());
        replica.start(primaryAsTheReplicatorSeesIt.url(), ReplicatorUnderTest.fastRetries(2));
        registry = new RegistryHttp(primary.url());
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(registry, replica, primaryAsTheReplicatorSeesIt, primary);
    }

    @Test
    void aNewTagNotifiedBeforeThePrimaryLinksItIsReplicated() throws Exception {
        String repo = "unlinked/new";
        TestImage image = TestImages.image(41);

        notifyTagPushBeforeLink(repo, "v1", image);

        await().atMost(Duration.ofSeconds(30))
                .alias(String.format(
                        "%s:v1 replicated at %s", repo, image.manifest().digest()))
                .until(() -> replica.tagDigest(repo, "v1")
                        .equals(Optional.of(image.manifest().digest())));
    }

    @Test
    void anOverwrittenTagNotifiedBeforeThePrimaryLinksItMovesToThePush() throws Exception {
        String repo = "unlinked/overwritten";
        TestImage before = TestImages.image(42);
        TestImage pushed = TestImages.image(43);
        assertThat(registry.push(repo, "v1", before).status()).isEqualTo(201);
        sendTagPushEvent(repo, "v1", before);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> replica.tagDigest(repo, "v1")
                        .equals(Optional.of(before.manifest().digest())));

        notifyTagPushBeforeLink(repo, "v1", pushed);

        await().atMost(Duration.ofSeconds(30))
                .alias(String.format(
                        "%s:v1 moved to %s", repo, pushed.manifest().digest()))
                .until(() -> replica.tagDigest(repo, "v1")
                        .equals(Optional.of(pushed.manifest().digest())));
    }

    /**
     * The push is undone before the worker's early read is answered: the tag linked and its manifest
     * deleted on the primary, which removes the tag too (distribution untags a deleted manifest's
     * tags, and that sends no event of its own: the delete's event, sent here too, names only the
     * digest, which the replica never had under this tag). The early read still says the tag's old digest, the
     * deferral finds the pushed manifest gone and does not wait: the tag must then follow the
     * primary, which has no such tag, rather than that read from before the push.
     */
    @Test
    void aTagWhosePushIsDeletedBeforeTheEarlyReadIsAnsweredFollowsThePrimary() throws Exception {
        String repo = "unlinked/undone";
        TestImage before = TestImages.image(44);
        TestImage pushed = TestImages.image(45);
        Digest pushedDigest = pushed.manifest().digest();
        assertThat(registry.push(repo, "v1", before).status()).isEqualTo(201);
        sendTagPushEvent(repo, "v1", before);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> replica.tagDigest(repo, "v1")
                        .equals(Optional.of(before.manifest().digest())));

        assertThat(registry.push(repo, pushedDigest.toString(), pushed).status())
                .isEqualTo(201);
        HoldingProxy.Hold earlyRead = primaryAsTheReplicatorSeesIt.holdNext("GET", "/manifests/v1");
        sendTagPushEvent(repo, "v1", pushed);
        await().atMost(Duration.ofSeconds(30)).until(earlyRead::arrived);
        assertThat(registry.putManifest(
                                repo,
                                "v1",
                                pushed.manifest().mediaType(),
                                pushed.manifest().content())
                        .status())
                .isEqualTo(201);
        assertThat(registry.deleteManifest(repo, pushedDigest.toString()).status())
                .isEqualTo(202);
        assertThat(registry.headManifest(repo, "v1", RegistryHttp.ACCEPT_ALL).status())
                .as("v1 on the primary once its manifest is deleted")
                .isEqualTo(404);
        sendManifestDeleteEvent(repo, pushedDigest);
        earlyRead.release();

        await().atMost(Duration.ofSeconds(30))
                .until(() -> DB.queryLong("SELECT count(*) FROM replication_work WHERE repository = '" + repo
                                + "' AND state IN ('pending', 'in_progress')")
                        == 0);
        assertThat(replica.tagDigest(repo, "v1"))
                .as("%s:v1 in the replica, the primary having none", repo)
                .isEmpty();
    }

    /**
     * What distribution does for {@code PUT /v2/<repo>/manifests/<tag>}, in the order that loses
     * the race: the manifest stored, the event sent, the worker's read of the tag answered, then
     * the tag linked.
     */
    private static void notifyTagPushBeforeLink(String repo, String tag, TestImage image) throws Exception {
        Digest digest = image.manifest().digest();
        assertThat(registry.push(repo, digest.toString(), image).status())
                .as("push of %s@%s to the primary", repo, digest)
                .isEqualTo(201);
        HoldingProxy.Hold firstRead = primaryAsTheReplicatorSeesIt.holdNext("GET", "/manifests/" + tag);

        sendTagPushEvent(repo, tag, image);
        await().atMost(Duration.ofSeconds(30))
                .alias(String.format("the worker's read of %s:%s answered by the primary", repo, tag))
                .until(firstRead::arrived);
        RegistryHttp.Answer link = registry.putManifest(
                repo, tag, image.manifest().mediaType(), image.manifest().content());
        assertThat(link.status())
                .as("tag %s:%s linked on the primary", repo, tag)
                .isEqualTo(201);
        firstRead.release();
    }

    /** distribution's captured manifest delete event, pointed at {@code digest} in {@code repo}. */
    private static void sendManifestDeleteEvent(String repo, Digest digest) throws Exception {
        send(envelope("delete-manifest.json", repo, digest));
    }

    /** distribution's captured tag push event, pointed at {@code image} in {@code repo}. */
    private static void sendTagPushEvent(String repo, String tag, TestImage image) throws Exception {
        Digest digest = image.manifest().digest();
        ObjectNode envelope = envelope("push-manifest-oci-tag.json", repo, digest);
        ObjectNode target = (ObjectNode) envelope.withArray("events").get(0).get("target");
        target.put("mediaType", image.manifest().mediaType());
        target.put("size", image.manifest().content().length);
        target.put("length", image.manifest().content().length);
        target.put("tag", tag);
        target.put(
                "url",
                primary.url().resolve("/v2/" + repo + "/manifests/" + digest).toString());
        target.remove("references");
        send(envelope);
    }

    /** A captured envelope's one event made new (id, timestamp) and pointed at {@code digest} in {@code repo}. */
    private static ObjectNode envelope(String fixture, String repo, Digest digest) throws Exception {
        ObjectNode envelope = (ObjectNode) JSON.readTree(NotificationFixtures.bytes(fixture));
        ObjectNode event = (ObjectNode) envelope.withArray("events").get(0);
        event.put("id", UUID.randomUUID().toString());
        event.put("timestamp", Instant.now().toString());
        ObjectNode target = (ObjectNode) event.get("target");
        target.put("digest", digest.toString());
        target.put("repository", repo);
        return envelope;
    }

    private static void send(ObjectNode envelope) throws Exception {
        HttpResponse<String> answer = replica.post(JSON.writeValueAsBytes(envelope));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }
}
