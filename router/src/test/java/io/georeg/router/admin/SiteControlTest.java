package io.georeg.router.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.georeg.db.DatabaseUnavailableException;
import io.georeg.router.health.CircuitBreaker;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The admin poll and an operator's switch on the same router. Tried: a drill's restore (and a
 * promotion's primary switch) made while the poll's read of the store was in flight — the read
 * had seen the state before the switch. FailoverIT found the router still in {@code primary-down}
 * right after a drill reported it restored: the poll applied its stale read after the switch.
 * Also tried: switches the store cannot take (its database does not answer), which apply here,
 * survive polls and are stored when the store answers, unless another router stored one first.
 */
class SiteControlTest {
    private static final URI CONFIGURED = URI.create("http://primary.invalid:5000");
    private static final URI PROMOTED = URI.create("http://promoted.invalid:5000");

    private final PausingStore store = new PausingStore(new MemoryAdminStateStore());
    private final CircuitBreaker circuit = new CircuitBreaker("primary", 3);
    private final SiteControl control = new SiteControl(CONFIGURED, store, circuit, Duration.ofHours(1), url -> {});

    @Test
    void aRestoreMadeWhileThePollReadTheDrillModeStaysRestored() throws Exception {
        control.setMode(RouterMode.PRIMARY_DOWN, "drill");

        switchDuringAPausedPoll(() -> control.setMode(RouterMode.NORMAL, "drill over"));

        assertThat(control.mode()).isEqualTo(RouterMode.NORMAL);
        assertThat(circuit.isForced())
                .as("the drill's forced circuit is released")
                .isFalse();
        assertThat(store.read().mode()).isEqualTo(RouterMode.NORMAL);
    }

    @Test
    void aPrimarySwitchMadeWhileThePollReadTheOldPrimaryStaysSwitched() throws Exception {
        switchDuringAPausedPoll(() -> control.setPrimary(Optional.of(PROMOTED)));

        assertThat(control.primaryUrl()).isEqualTo(PROMOTED);
    }

    @Test
    void aPromotionPointsThePrimarysCircuitAtTheNewPrimary() {
        control.setPrimary(Optional.of(PROMOTED));
        assertThat(circuit.origin()).isEqualTo(PROMOTED);

        control.setPrimary(Optional.empty());
        assertThat(circuit.origin()).as("back to the configured primary").isEqualTo(CONFIGURED);
    }

    @Test
    void thePrimaryCountsAsSwitchedWhileItIsAnotherOriginThanTheConfiguredOne() {
        assertThat(control.primarySwitched()).isFalse();

        control.setPrimary(Optional.of(PROMOTED));
        assertThat(control.primarySwitched()).isTrue();

        // A rollback naming the configured primary, as the admin API stores it (no trailing slash, any case).
        control.setPrimary(Optional.of(URI.create("http://PRIMARY.invalid:5000")));
        assertThat(control.primarySwitched()).isFalse();
        control.setPrimary(Optional.empty());
        assertThat(control.primarySwitched()).isFalse();
        SiteControl slash =
                new SiteControl(URI.create(CONFIGURED + "/"), store, circuit, Duration.ofHours(1), url -> {});
        slash.setPrimary(Optional.of(CONFIGURED));
        assertThat(slash.primarySwitched()).isFalse();
    }

    @Test
    void aSwitchDoesNotWaitForAPollWhoseReadHangs() throws Exception {
        store.pauseNextRead();
        Thread poll = Thread.ofPlatform().name("test-admin-poll").start(control::refresh);
        assertThat(store.readTaken.await(10, TimeUnit.SECONDS)).isTrue();

        long started = System.nanoTime();
        control.setMode(RouterMode.PRIMARY_DOWN, "incident");

        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .as("the switch went ahead while the poll's read hung")
                .isLessThan(Duration.ofSeconds(5));
        store.releaseRead.countDown();
        poll.join(10_000);
        assertThat(control.mode())
                .as("the hung read, older than the switch, is not applied")
                .isEqualTo(RouterMode.PRIMARY_DOWN);
    }

    @Test
    void aPollAppliesWhatAnotherRouterWrote() {
        store.delegate.setMode(RouterMode.PRIMARY_DOWN, "set through another router");

        control.refresh();

        assertThat(control.mode()).isEqualTo(RouterMode.PRIMARY_DOWN);
        assertThat(circuit.isOpen()).isTrue();
    }

    @Test
    void aPollThatFailsOtherwiseThanOnTheStoreDoesNotEndThePolling() {
        AtomicInteger calls = new AtomicInteger();
        try (SiteControl polling = new SiteControl(CONFIGURED, store, circuit, Duration.ofMillis(10), url -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("the router could not probe the new primary");
            }
        })) {
            polling.start();
            store.delegate.setPrimary(Optional.of(PROMOTED));
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 1);

            store.delegate.setMode(RouterMode.PRIMARY_DOWN, "set through another router");

            await().atMost(Duration.ofSeconds(10))
                    .alias("the next poll still ran after one threw")
                    .until(polling::mode, RouterMode.PRIMARY_DOWN::equals);
        }
    }

    @Test
    void aSwitchTheStoreCannotTakeAppliesHereSurvivesPollsAndIsStoredWhenTheStoreAnswers() {
        control.refresh();
        store.failing = true;

        control.setMode(RouterMode.PRIMARY_DOWN, "incident");
        control.refresh();

        assertThat(control.mode()).isEqualTo(RouterMode.PRIMARY_DOWN);
        assertThat(circuit.isForced()).isTrue();
        assertThat(control.notStored())
                .hasValueSatisfying(
                        why -> assertThat(why).contains("not stored").contains("the database does not answer"));
        assertThat(store.delegate.read().mode()).isEqualTo(RouterMode.NORMAL);

        store.failing = false;
        control.refresh();

        assertThat(store.delegate.read().mode()).isEqualTo(RouterMode.PRIMARY_DOWN);
        assertThat(store.delegate.read().reason()).isEqualTo("incident");
        assertThat(control.notStored()).isEmpty();
        assertThat(control.mode()).isEqualTo(RouterMode.PRIMARY_DOWN);
    }

    /**
     * Tried with real processes (two routers on one tracking database, {@code georeg drill}
     * naming both, the first one also of the release before): the restore through the first
     * router stored {@code normal}; the second refused the drill's restore over its
     * {@code primary-down} with 409, rightly, and the drill, reading that router to count the
     * switch as made, found it still in {@code primary-down} until its next poll and failed.
     */
    @Test
    void aSwitchTheStoreRefusesAppliesTheStoredStateAtOnce() {
        CircuitBreaker othersCircuit = new CircuitBreaker("primary", 3);
        SiteControl other = new SiteControl(CONFIGURED, store, othersCircuit, Duration.ofHours(1), url -> {});
        control.setMode(RouterMode.PRIMARY_DOWN, "drill");
        other.refresh();
        AdminExpectation drillsOwn = new AdminExpectation(RouterMode.PRIMARY_DOWN, Optional.of(CONFIGURED), CONFIGURED);
        control.setMode(RouterMode.NORMAL, "drill finished", Optional.of(drillsOwn));

        assertThatThrownBy(() -> other.setMode(RouterMode.NORMAL, "drill finished", Optional.of(drillsOwn)))
                .isInstanceOf(AdminStateChanged.class);

        assertThat(other.mode())
                .as("the state the store answered the refusal with, without waiting for the poll (an hour here)")
                .isEqualTo(RouterMode.NORMAL);
        assertThat(othersCircuit.isForced()).isFalse();
    }

    @Test
    void withoutAStoreThatAnswersAPreconditionIsComparedWithTheStateAppliedHere() {
        control.refresh();
        store.failing = true;
        control.setMode(RouterMode.FROZEN, "promotion");
        AdminExpectation drillsOwn = new AdminExpectation(RouterMode.PRIMARY_DOWN, Optional.of(CONFIGURED), CONFIGURED);

        assertThatThrownBy(() -> control.setMode(RouterMode.NORMAL, "drill finished", Optional.of(drillsOwn)))
                .isInstanceOf(AdminStateChanged.class)
                .hasMessageContaining("it is mode frozen (promotion)");
        assertThat(control.mode()).isEqualTo(RouterMode.FROZEN);

        AdminExpectation frozen = new AdminExpectation(RouterMode.FROZEN, Optional.of(CONFIGURED), CONFIGURED);
        control.setPrimary(Optional.of(PROMOTED), Optional.of(frozen));
        assertThat(control.primaryUrl()).isEqualTo(PROMOTED);
        // The store answers again and holds the state the unstored switches were made on: the
        // applied state, with them, is what the next precondition is compared with.
        store.failing = false;
        AdminExpectation frozenOnNew = new AdminExpectation(RouterMode.FROZEN, Optional.of(PROMOTED), CONFIGURED);
        control.setMode(RouterMode.NORMAL, "promotion finished", Optional.of(frozenOnNew));
        assertThat(store.delegate.read().mode()).isEqualTo(RouterMode.NORMAL);
        assertThat(store.delegate.read().primaryUrl()).contains(PROMOTED);
    }

    @Test
    void unstoredSwitchesGoInWithTheNextSwitchTheStoreTakes() {
        control.refresh();
        store.failing = true;
        control.setPrimary(Optional.of(PROMOTED));
        control.setMode(RouterMode.FROZEN, "promotion");

        store.failing = false;
        control.setMode(RouterMode.NORMAL, "");

        assertThat(store.delegate.read().primaryUrl()).contains(PROMOTED);
        assertThat(store.delegate.read().mode()).isEqualTo(RouterMode.NORMAL);
        assertThat(control.notStored()).isEmpty();
    }

    @Test
    void aSwitchStoredThroughAnotherRouterWinsOverThisRoutersUnstoredOne() {
        control.refresh();
        store.failing = true;
        control.setPrimary(Optional.of(PROMOTED));
        store.delegate.setMode(RouterMode.FROZEN, "set through another router");

        store.failing = false;
        control.refresh();

        assertThat(control.mode()).isEqualTo(RouterMode.FROZEN);
        assertThat(control.primaryUrl()).as("the unstored switch is dropped").isEqualTo(CONFIGURED);
        assertThat(store.delegate.read().primaryUrl()).isEmpty();
        assertThat(control.notStored()).isEmpty();
    }

    @Test
    void aSwitchMadeBeforeTheStoreEverAnsweredGivesWayToTheStoredState() {
        store.delegate.setPrimary(Optional.of(PROMOTED));
        store.failing = true;
        control.setMode(RouterMode.PRIMARY_DOWN, "");

        store.failing = false;
        control.refresh();

        assertThat(control.primaryUrl())
                .as("the configured primary this switch was made on never overwrites a promotion")
                .isEqualTo(PROMOTED);
        assertThat(store.delegate.read().primaryUrl()).contains(PROMOTED);
        assertThat(control.mode()).isEqualTo(RouterMode.NORMAL);
    }

    @Test
    void twoRoutersWithUnstoredSwitchesAgreeOnTheOneStoredFirst() {
        PausingStore other = new PausingStore(store.delegate);
        SiteControl otherRouter =
                new SiteControl(CONFIGURED, other, new CircuitBreaker("primary", 3), Duration.ofHours(1), url -> {});
        control.refresh();
        otherRouter.refresh();
        store.failing = true;
        other.failing = true;
        control.setMode(RouterMode.PRIMARY_DOWN, "drill");
        otherRouter.setPrimary(Optional.of(PROMOTED));

        store.failing = false;
        other.failing = false;
        otherRouter.refresh();
        control.refresh();
        otherRouter.refresh();

        AdminState stored = store.delegate.read();
        assertThat(stored.primaryUrl()).as("the first router to store wins").contains(PROMOTED);
        assertThat(stored.mode()).isEqualTo(RouterMode.NORMAL);
        for (SiteControl router : new SiteControl[] {control, otherRouter}) {
            assertThat(router.notStored()).isEmpty();
            assertThat(router.state()).isEqualTo(stored);
            assertThat(router.primaryUrl()).isEqualTo(PROMOTED);
        }
        assertThat(circuit.isForced())
                .as("the dropped drill released the circuit")
                .isFalse();
    }

    @Test
    void aSwitchWhoseAnswerWasLostAfterTheStoreTookItIsNeitherUndoneNorDoubled() {
        control.refresh();
        store.answerLost = true;
        control.setPrimary(Optional.of(PROMOTED));
        store.answerLost = false;
        assertThat(control.notStored()).isPresent();

        control.setMode(RouterMode.FROZEN, "promotion");

        assertThat(store.delegate.read().primaryUrl()).contains(PROMOTED);
        assertThat(store.delegate.read().mode()).isEqualTo(RouterMode.FROZEN);
        assertThat(control.state()).isEqualTo(store.delegate.read());
        assertThat(control.notStored()).isEmpty();

        store.answerLost = true;
        control.setMode(RouterMode.NORMAL, "");
        store.answerLost = false;
        control.refresh();

        assertThat(control.state()).isEqualTo(store.delegate.read());
        assertThat(control.mode()).isEqualTo(RouterMode.NORMAL);
        assertThat(control.primaryUrl()).isEqualTo(PROMOTED);
        assertThat(control.notStored()).isEmpty();
    }

    /**
     * Starts a poll whose read of the store returns the state before {@code operatorSwitch} but is
     * held until the switch has either finished or is waiting for the poll, then lets it go.
     */
    private void switchDuringAPausedPoll(Runnable operatorSwitch) throws InterruptedException {
        store.pauseNextRead();
        Thread poll = Thread.ofPlatform().name("test-admin-poll").start(control::refresh);
        assertThat(store.readTaken.await(10, TimeUnit.SECONDS))
                .as("the poll read the store")
                .isTrue();
        Thread operator = Thread.ofPlatform().name("test-operator").start(operatorSwitch);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !operator.isAlive() || operator.getState() == Thread.State.BLOCKED);
        store.releaseRead.countDown();
        poll.join(10_000);
        operator.join(10_000);
        assertThat(poll.isAlive() || operator.isAlive())
                .as("poll and switch finished")
                .isFalse();
    }

    /**
     * A store whose next read takes its value at once and returns it only when released, and
     * which fails every call while {@link #failing}.
     */
    private static final class PausingStore implements AdminStateStore {
        final AdminStateStore delegate;
        final CountDownLatch readTaken = new CountDownLatch(1);
        final CountDownLatch releaseRead = new CountDownLatch(1);
        private volatile boolean pauseNext;
        volatile boolean failing;
        /** Writes reach the delegate, then fail as if their answer never came back. */
        volatile boolean answerLost;

        PausingStore(AdminStateStore delegate) {
            this.delegate = delegate;
        }

        void pauseNextRead() {
            pauseNext = true;
        }

        @Override
        public AdminState read() {
            failIfFailing();
            AdminState state = delegate.read();
            if (pauseNext) {
                pauseNext = false;
                readTaken.countDown();
                try {
                    releaseRead.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return state;
        }

        @Override
        public AdminState setMode(RouterMode mode, String reason, Optional<AdminExpectation> expect) {
            failIfFailing();
            AdminState taken = delegate.setMode(mode, reason, expect);
            failIfAnswerLost();
            return taken;
        }

        @Override
        public AdminState setPrimary(Optional<URI> url, Optional<AdminExpectation> expect) {
            failIfFailing();
            AdminState taken = delegate.setPrimary(url, expect);
            failIfAnswerLost();
            return taken;
        }

        @Override
        public Optional<AdminState> storeIfUnchanged(AdminState wanted, Instant basis) {
            failIfFailing();
            return delegate.storeIfUnchanged(wanted, basis);
        }

        private void failIfAnswerLost() {
            if (answerLost) {
                throw new DatabaseUnavailableException("the answer never came back", null);
            }
        }

        private void failIfFailing() {
            if (failing) {
                throw new DatabaseUnavailableException("the database does not answer", null);
            }
        }
    }
}
