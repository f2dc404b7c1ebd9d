package io.georeg.replicator.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import io.georeg.replicator.queue.WorkKind;
import io.georeg.replicator.queue.WorkOperation;
import io.georeg.replicator.queue.WorkRequest;
import io.georeg.replicator.testing.NotificationFixtures;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EnvelopeParserTest {

    static List<String> envelopes() {
        return NotificationFixtures.envelopeNames();
    }

    @ParameterizedTest
    @MethodSource("envelopes")
    void everyCapturedEnvelopeParsesToOneEvent(String name) {
        List<NotificationEvent> events = EnvelopeParser.parse(NotificationFixtures.bytes(name));
        assertThat(events).hasSize(1);
        assertThat(events.get(0).id()).isNotBlank();
        assertThat(events.get(0).timestamp()).isNotNull();
    }

    @Test
    void manifestPushedByTagMovesTheTag() {
        WorkRequest w = work("push-manifest-oci-tag.json").getFirst();
        assertThat(w.kind()).isEqualTo(WorkKind.TAG);
        assertThat(w.ref()).isEqualTo("v1");
        assertThat(w.operation()).isEqualTo(WorkOperation.PUSH_MANIFEST);
        assertThat(w.digest())
                .contains(Digest.parse("sha256:97ba16bd2fba136cb38b3446a9893a42c565b49c645a6da4c25265d96c8d2007"));
    }

    @Test
    void indexChildPushedByDigestIsStoredWithoutTag() {
        WorkRequest w = work("push-manifest-oci-digest.json").getFirst();
        assertThat(w.kind()).isEqualTo(WorkKind.DIGEST);
        assertThat(w.operation()).isEqualTo(WorkOperation.PUSH_MANIFEST);
    }

    @Test
    void blobPushWithOctetStreamMediaTypeIsABlob() {
        NotificationEvent e = EnvelopeParser.parse(NotificationFixtures.bytes("push-blob.json"))
                .get(0);
        assertThat(e.mediaType()).contains("application/octet-stream");
        assertThat(e.target()).isEqualTo(NotificationEvent.Target.BLOB);
        assertThat(EventClassifier.workFor(e).getFirst().operation()).isEqualTo(WorkOperation.PUSH_BLOB);
    }

    @Test
    void crossRepositoryMountLinksTheBlobInTheTargetRepository() {
        WorkRequest w = work("mount-blob.json").getFirst();
        assertThat(w.repository()).isEqualTo(RepositoryName.of("corpus/app-01"));
        assertThat(w.operation()).isEqualTo(WorkOperation.PUSH_BLOB);
    }

    @Test
    void manifestDeleteAndBlobDeleteHaveTheSameShapeAndBecomeADigestDelete() {
        for (String name : List.of("delete-manifest.json", "delete-blob.json")) {
            NotificationEvent e =
                    EnvelopeParser.parse(NotificationFixtures.bytes(name)).get(0);
            assertThat(e.target()).as(name).isEqualTo(NotificationEvent.Target.UNKNOWN);
            WorkRequest w = EventClassifier.workFor(e).getFirst();
            assertThat(w.kind()).isEqualTo(WorkKind.DIGEST);
            assertThat(w.operation()).isEqualTo(WorkOperation.DELETE);
        }
    }

    @Test
    void tagDeleteCarriesOnlyTheTag() {
        NotificationEvent e = EnvelopeParser.parse(NotificationFixtures.bytes("delete-tag.json"))
                .get(0);
        assertThat(e.digest()).isEmpty();
        assertThat(e.tag()).contains(Tag.of("v3"));
        WorkRequest w = EventClassifier.workFor(e).getFirst();
        assertThat(w.kind()).isEqualTo(WorkKind.TAG);
        assertThat(w.operation()).isEqualTo(WorkOperation.DELETE);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "pull-blob-get.json",
                "pull-blob-head.json",
                "pull-manifest-get-tag.json",
                "pull-manifest-head-tag.json",
                "pull-index-get-tag.json"
            })
    void pullsAskForNoWork(String name) {
        assertThat(work(name)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"pull-blob-get.json", "pull-manifest-head-tag.json"})
    void pullsCausedByTheReplicatorsOwnReadsAreLeftOutAndClientPullsKept(String name) {
        String client = new String(NotificationFixtures.bytes(name), StandardCharsets.UTF_8);
        assertThat(client)
                .contains("\"useragent\": ")
                .doesNotContain(io.georeg.replicator.primary.PrimaryClient.USER_AGENT);
        String ours = client.replaceAll(
                "\"useragent\": \"[^\"]*\"",
                "\"useragent\": \"" + io.georeg.replicator.primary.PrimaryClient.USER_AGENT + "\"");
        assertThat(EnvelopeParser.parse(client.getBytes(StandardCharsets.UTF_8)))
                .hasSize(1);
        assertThat(EnvelopeParser.parse(ours.getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void replicatorsOwnPullsAreDroppedBeforeTheRestOfTheEventIsRead() {
        // Nothing of such an event is used, so nothing of it is checked: an initial replication
        // makes the primary send one per manifest and blob the replicator reads.
        String ours = "{\"events\": [{\"id\": \"x\", \"timestamp\": \"yesterday\", \"action\": \"pull\","
                + " \"target\": {\"repository\": \"a\"}, \"request\": {\"useragent\": \""
                + io.georeg.replicator.primary.PrimaryClient.USER_AGENT + "\"}}]}";
        EnvelopeParser.Envelope envelope = EnvelopeParser.read(ours.getBytes(StandardCharsets.UTF_8));
        assertThat(envelope.events()).isEmpty();
        assertThat(envelope.refused()).isEmpty();
        assertThat(envelope.total()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "[]",
                "{}",
                "{\"events\": {}}",
                "{\"events\": [1]}",
                "{\"events\": [{\"timestamp\": \"2026-11-22T16:07:46Z\", \"action\": \"push\", \"target\": {\"repository\": \"a\", \"digest\": \"sha256:"
                        + HEX + "\"}}]}",
                "{\"events\": [{\"id\": \"x\", \"timestamp\": \"yesterday\", \"action\": \"push\", \"target\": {\"repository\": \"a\", \"digest\": \"sha256:"
                        + HEX + "\"}}]}",
                "{\"events\": [{\"id\": \"x\", \"timestamp\": \"2026-11-22T16:07:46Z\", \"action\": \"push\", \"target\": {\"repository\": \"A/../b\", \"digest\": \"sha256:"
                        + HEX + "\"}}]}",
                "{\"events\": [{\"id\": \"x\", \"timestamp\": \"2026-11-22T16:07:46Z\", \"action\": \"push\", \"target\": {\"repository\": \"a\", \"digest\": \"md5:abc\"}}]}",
                "{\"events\": [{\"id\": \"x\", \"timestamp\": \"2026-11-22T16:07:46Z\", \"action\": \"push\", \"target\": {\"repository\": \"a\"}}]}",
                "{\"events\": [{\"id\": \"x\", \"timestamp\": \"2026-11-22T16:07:46Z\", \"action\": \"rename\", \"target\": {\"repository\": \"a\"}}]}",
                "{\"events\": [{\"id\": \"x\", \"timestamp\": \"2026-11-22T16:07:46Z\", \"action\": \"rename\", \"target\": {\"repository\": \"a\", \"rename\": {\"type\": \"name\", \"from\": \"a\", \"to\": \"../b\"}}}]}",
                "{\"events\": [{\"id\": \"x\", \"timestamp\": \"2026-11-22T16:07:46Z\", \"action\": \"push\", \"target\": {\"repository\": \"a\", \"tag\": \"-bad\", \"digest\": \"sha256:"
                        + HEX + "\"}}]}",
                "{\"events\": [{\"id\": \"x\", \"timestamp\": \"2026-11-22T16:07:46Z\", \"action\": \"push\"}]}"
            })
    void malformedEnvelopesAreRefusedWithAReason(String body) {
        assertThatThrownBy(() -> EnvelopeParser.parse(body.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedEnvelopeException.class)
                .hasMessageMatching(".{8,}");
    }

    @Test
    void anActionFromANewerRegistryIsKeptButAsksForNoWork() {
        String body =
                "{\"events\": [{\"id\": \"x\", \"timestamp\": \"2026-11-22T16:07:46Z\", \"action\": \"replicate\", "
                        + "\"target\": {\"repository\": \"a\"}}]}";
        NotificationEvent e =
                EnvelopeParser.parse(body.getBytes(StandardCharsets.UTF_8)).get(0);
        assertThat(EventClassifier.workFor(e)).isEmpty();
    }

    @Test
    void gitLabsRenameReconcilesTheOldPathAndTheNewOneWithEverythingBelowEach() {
        for (String name : List.of("rename-name.json", "rename-namespace.json")) {
            NotificationEvent e =
                    EnvelopeParser.parse(NotificationFixtures.gitlab(name)).getFirst();
            NotificationEvent.Rename rename = e.rename().orElseThrow();
            assertThat(e.repository()).as(name).isEqualTo(rename.from());
            assertThat(EventClassifier.workFor(e))
                    .as(name)
                    .extracting(WorkRequest::repository, WorkRequest::kind, WorkRequest::ref, WorkRequest::operation)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(
                                    rename.from(), WorkKind.REPOSITORY, WorkKind.TREE, WorkOperation.RECONCILE),
                            org.assertj.core.groups.Tuple.tuple(
                                    rename.to(), WorkKind.REPOSITORY, WorkKind.TREE, WorkOperation.RECONCILE));
        }
        assertThat(EnvelopeParser.parse(NotificationFixtures.gitlab("rename-namespace.json"))
                        .getFirst()
                        .rename()
                        .orElseThrow())
                .isEqualTo(new NotificationEvent.Rename(
                        "namespace", RepositoryName.of("acme/web/shop"), RepositoryName.of("acme/platform/shop")));
    }

    @Test
    void aDeleteNamingOnlyTheRepositoryReconcilesThatRepository() {
        NotificationEvent e = EnvelopeParser.parse(NotificationFixtures.gitlab("delete-repository.json"))
                .getFirst();
        assertThat(e.isRepositoryDelete()).isTrue();
        WorkRequest w = EventClassifier.workFor(e).getFirst();
        assertThat(w.repository()).isEqualTo(RepositoryName.of("acme/web/legacy"));
        assertThat(w.kind()).isEqualTo(WorkKind.REPOSITORY);
        assertThat(w.ref()).isEqualTo(WorkKind.SELF);
        assertThat(w.operation()).isEqualTo(WorkOperation.RECONCILE);
    }

    @Test
    void gitLabsActorAndMetaFieldsAreIgnoredAndTheUsersTokenIsNotKept() {
        NotificationEvent e = EnvelopeParser.parse(NotificationFixtures.gitlab("push-manifest-gitlab-actor.json"))
                .getFirst();
        WorkRequest w = EventClassifier.workFor(e).getFirst();
        assertThat(w.kind()).isEqualTo(WorkKind.TAG);
        assertThat(w.ref()).isEqualTo("v2");
        assertThat(e.json())
                .contains("\"user_type\":\"personal_access_token\"")
                .contains("\"future_field\"")
                .doesNotContain("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSIsImR1bW15Ijp0cnVlfQ.");
        NotificationEvent pull = EnvelopeParser.parse(NotificationFixtures.gitlab("pull-blob-meta.json"))
                .getFirst();
        assertThat(pull.isPull()).isTrue();
        assertThat(EventClassifier.workFor(pull)).isEmpty();
    }

    private static final String HEX = "97ba16bd2fba136cb38b3446a9893a42c565b49c645a6da4c25265d96c8d2007";

    private static List<WorkRequest> work(String fixture) {
        return EventClassifier.workFor(
                EnvelopeParser.parse(NotificationFixtures.bytes(fixture)).get(0));
    }
}
