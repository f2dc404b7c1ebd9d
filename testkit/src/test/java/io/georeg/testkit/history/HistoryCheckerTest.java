package io.georeg.testkit.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.testkit.history.Op.Outcome;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HistoryCheckerTest {
    private static final String TAG = "tag:r:latest";
    private static final String OLD_CLIENT = "docker-v2";

    private static Op write(String value, long from, long to) {
        return Op.write(1, TAG, value, Map.of(), from, to, Outcome.OK);
    }

    private static Op read(String value, long from, long to) {
        return Op.read(2, TAG, Op.ACCEPT_ALL, value, from, to, Outcome.OK, "replica");
    }

    @Test
    void aReadThatBeganAfterAWriteCompletedAndSawTheOlderValueIsStale() {
        Op first = write("d1", 0, 10);
        Op second = write("d2", 20, 30);
        Op stale = read("d1", 40, 50);

        List<Violation> violations = HistoryChecker.check(List.of(first, second, stale));

        assertThat(violations).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(Violation.Kind.STALE_READ);
            assertThat(v.read()).isEqualTo(stale);
            assertThat(v.write()).isEqualTo(second);
        });
    }

    @Test
    void aReadConcurrentWithTheOverwriteMaySeeEitherValue() {
        Op first = write("d1", 0, 10);
        Op second = write("d2", 20, 30);
        assertThat(HistoryChecker.check(List.of(first, second, read("d1", 25, 50), read("d2", 21, 22))))
                .isEmpty();
    }

    @Test
    void concurrentWritesMayBeSeenInEitherOrderAfterBothCompleted() {
        Op a = write("d1", 0, 30);
        Op b = write("d2", 10, 20);
        assertThat(HistoryChecker.check(List.of(a, b, read("d1", 40, 50)))).isEmpty();
        assertThat(HistoryChecker.check(List.of(a, b, read("d2", 40, 50)))).isEmpty();
    }

    @Test
    void absentBeforeAnyWriteIsFineAndAfterACompletedPushIsStale() {
        Op push = write("d1", 10, 20);
        assertThat(HistoryChecker.check(List.of(push, read(Op.ABSENT, 0, 5)))).isEmpty();
        assertThat(HistoryChecker.check(List.of(push, read(Op.ABSENT, 30, 40))))
                .extracting(Violation::kind)
                .containsExactly(Violation.Kind.STALE_READ);
    }

    @Test
    void aDeleteExplainsAbsentAndACompletedDeleteMakesTheOldValueStale() {
        Op push = write("d1", 0, 10);
        Op delete = write(Op.ABSENT, 20, 30);
        assertThat(HistoryChecker.check(List.of(push, delete, read(Op.ABSENT, 40, 50))))
                .isEmpty();
        assertThat(HistoryChecker.check(List.of(push, delete, read("d1", 40, 50))))
                .extracting(Violation::kind)
                .containsExactly(Violation.Kind.STALE_READ);
    }

    @Test
    void aValueNoWriteProducedIsAnUnknownValue() {
        assertThat(HistoryChecker.check(List.of(write("d1", 0, 10), read("d9", 20, 30))))
                .extracting(Violation::kind)
                .containsExactly(Violation.Kind.UNKNOWN_VALUE);
        assertThat(HistoryChecker.check(List.of(write("d1", 20, 30), read("d1", 0, 10))))
                .as("a read cannot see a write invoked after it completed")
                .extracting(Violation::kind)
                .containsExactly(Violation.Kind.UNKNOWN_VALUE);
    }

    @Test
    void aWriteOfUnknownOutcomeExplainsLaterReadsButNeverMakesOneStale() {
        Op timedOut = Op.write(1, TAG, "d2", Map.of(), 20, 30, Outcome.UNKNOWN);
        Op first = write("d1", 0, 10);
        assertThat(HistoryChecker.check(
                        List.of(first, timedOut, read("d1", 40, 50), read("d2", 60, 70), read("d1", 80, 90))))
                .as("d2 may have landed late, d1 may be what the primary kept")
                .isEmpty();
        assertThat(HistoryChecker.check(
                        List.of(first, Op.write(1, TAG, "d2", Map.of(), 20, 30, Outcome.FAILED), read("d2", 40, 50))))
                .as("a refused write explains nothing")
                .extracting(Violation::kind)
                .containsExactly(Violation.Kind.UNKNOWN_VALUE);
    }

    @Test
    void readsAreJudgedByWhatTheirAcceptClassSeesOfEachWrite() {
        Op list = Op.write(1, TAG, "list", Map.of(OLD_CLIENT, "amd64-child"), 0, 10, Outcome.OK);
        Op oci = Op.write(1, TAG, "oci", Map.of(OLD_CLIENT, Op.ABSENT), 20, 30, Outcome.OK);
        Op oldClientSeesChild = Op.read(2, TAG, OLD_CLIENT, "amd64-child", 12, 15, Outcome.OK, "primary");
        Op oldClientSeesNothingOfOci = Op.read(2, TAG, OLD_CLIENT, Op.ABSENT, 40, 50, Outcome.OK, "replica");
        Op oldClientSeesStaleChild = Op.read(2, TAG, OLD_CLIENT, "amd64-child", 60, 70, Outcome.OK, "replica");
        Op newClientSeesChild = Op.read(2, TAG, Op.ACCEPT_ALL, "amd64-child", 12, 15, Outcome.OK, "replica");

        List<Violation> violations = HistoryChecker.check(List.of(
                list, oci, oldClientSeesChild, oldClientSeesNothingOfOci, oldClientSeesStaleChild, newClientSeesChild));

        assertThat(violations)
                .extracting(Violation::kind, Violation::read)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(Violation.Kind.STALE_READ, oldClientSeesStaleChild),
                        org.assertj.core.groups.Tuple.tuple(Violation.Kind.UNKNOWN_VALUE, newClientSeesChild));
    }

    @Test
    void failedReadsAreNotJudged() {
        Op first = write("d1", 0, 10);
        Op second = write("d2", 20, 30);
        assertThat(HistoryChecker.check(
                        List.of(first, second, Op.read(2, TAG, Op.ACCEPT_ALL, "d1", 40, 50, Outcome.FAILED, ""))))
                .isEmpty();
    }

    @Test
    void aSetReadMustHoldEveryMemberAddedBeforeItBeganAndNothingUnadded() {
        String key = "referrers:r@sha256:s";
        Op addA = Op.add(1, key, "a", 0, 10, Outcome.OK);
        Op addB = Op.add(1, key, "b", 20, 30, Outcome.OK);
        Op complete = Op.readSet(2, key, Set.of("a", "b"), 40, 50, Outcome.OK, "replica");
        Op concurrent = Op.readSet(2, key, Set.of("a"), 25, 35, Outcome.OK, "replica");
        Op missing = Op.readSet(2, key, Set.of("a"), 40, 50, Outcome.OK, "replica");
        Op phantom = Op.readSet(2, key, Set.of("a", "b", "z"), 40, 50, Outcome.OK, "replica");

        assertThat(HistoryChecker.check(List.of(addA, addB, complete, concurrent)))
                .isEmpty();
        assertThat(HistoryChecker.check(List.of(addA, addB, missing)))
                .singleElement()
                .satisfies(v -> assertThat(v.kind()).isEqualTo(Violation.Kind.MISSING_MEMBER))
                .satisfies(v -> assertThat(v.write()).isEqualTo(addB));
        assertThat(HistoryChecker.check(List.of(addA, addB, phantom)))
                .extracting(Violation::kind)
                .containsExactly(Violation.Kind.PHANTOM_MEMBER);
    }

    @Test
    void keysAreIndependent() {
        Op writeOther = Op.write(1, "tag:r:other", "d2", Map.of(), 20, 30, Outcome.OK);
        assertThat(HistoryChecker.check(List.of(write("d1", 0, 10), writeOther, read("d1", 40, 50))))
                .isEmpty();
    }

    @Test
    void divergenceAfterQuiescenceNamesEveryKeyThatDiffers() {
        List<Violation> diverged = HistoryChecker.diverged(
                Map.of("tag:r:a", "d1", "tag:r:b", "d2", "tag:r:c", "d3"),
                Map.of("tag:r:a", "d1", "tag:r:b", "d9", "tag:r:x", "d4"));
        assertThat(diverged).extracting(Violation::key).containsExactly("tag:r:b", "tag:r:c", "tag:r:x");
        assertThat(diverged).allSatisfy(v -> assertThat(v.kind()).isEqualTo(Violation.Kind.DIVERGED));
        assertThat(HistoryChecker.countByKeyKind(diverged)).containsEntry("tag", 3);
    }
}
