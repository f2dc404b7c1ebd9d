package io.georeg.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ReplicaBindingTest {
    private static final URI OLD = URI.create("http://registry-a.internal:5000");
    private static final URI NEW = URI.create("HTTP://Registry-B.internal:5000/");
    private static final Map<String, ReplicaBinding.Bound> BOUND_TO_OLD =
            Map.of("primary", new ReplicaBinding.Bound("http://registry-a.internal:5000", true));

    @Test
    void aPrimaryConfiguredAsTheNewOneAfterAPromotionIsNotServedByAReplicaBoundToTheOldOne() {
        // router.primaryUrl edited to the new primary: nothing is "switched" any more.
        assertThat(ReplicaBinding.verdict(Optional.of(BOUND_TO_OLD), "primary", NEW, false))
                .get()
                .asString()
                .contains("replicates http://registry-a.internal:5000, not http://registry-b.internal:5000");
    }

    @Test
    void theBoundPrimaryIsServedByTheReplicaWrittenAnyWayItNormalizes() {
        assertThat(ReplicaBinding.verdict(
                        Optional.of(BOUND_TO_OLD), "primary", URI.create("HTTP://REGISTRY-A.internal:5000/"), false))
                .isEmpty();
    }

    @Test
    void anAdoptedPrimaryIsAnsweredByItselfUntilTheReplicaCaughtUp() {
        Map<String, ReplicaBinding.Bound> adopted =
                Map.of("primary", new ReplicaBinding.Bound("http://registry-b.internal:5000", false));
        assertThat(ReplicaBinding.verdict(Optional.of(adopted), "primary", NEW, false))
                .get()
                .asString()
                .contains("catching up");
    }

    @Test
    void beforeTheBindingWasReadThePrimaryAnswers() {
        assertThat(ReplicaBinding.verdict(Optional.empty(), "primary", OLD, false))
                .isPresent();
    }

    @Test
    void anUnboundDatabaseKeepsTheRuleBeforeTheBindingTheConfiguredPrimaryOnly() {
        assertThat(ReplicaBinding.verdict(Optional.of(Map.of()), "primary", OLD, false))
                .isEmpty();
        assertThat(ReplicaBinding.verdict(Optional.of(Map.of()), "primary", NEW, true))
                .isPresent();
    }

    @Test
    void aCellTheDatabaseDoesNotReplicateIsAnsweredByItsPrimary() {
        assertThat(ReplicaBinding.verdict(Optional.of(BOUND_TO_OLD), "cell-2", OLD, false))
                .get()
                .asString()
                .contains("no primary named 'cell-2'");
    }

    @Test
    void aReadThatFailsKeepsTheLastAnswerAndASwitchIsWorkedOutAtOnce() {
        AtomicReference<URI> current = new AtomicReference<>(OLD);
        AtomicReference<Map<String, ReplicaBinding.Bound>> stored = new AtomicReference<>(BOUND_TO_OLD);
        ReplicaBinding binding = ReplicaBinding.readBy(
                () -> {
                    Map<String, ReplicaBinding.Bound> now = stored.get();
                    if (now == null) {
                        throw new IllegalStateException("database down");
                    }
                    return now;
                },
                List.of(new ReplicaBinding.Leg("primary", current::get, () -> false)));
        assertThat(binding.bypass("primary")).as("not read yet").isPresent();

        binding.refresh();
        assertThat(binding.bypass("primary")).isEmpty();

        stored.set(null);
        binding.start(); // its first read fails: logged, the last answer kept
        assertThat(binding.bypass("primary")).isEmpty();

        current.set(NEW);
        binding.recompute();
        assertThat(binding.bypass("primary")).isPresent();
        assertThat(binding.bypassedByPrimary()).containsExactly(Map.entry("primary", true));
        binding.close();
    }
}
