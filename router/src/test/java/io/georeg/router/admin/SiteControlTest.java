package io.georeg.router.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.router.health.CircuitBreaker;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The admin poll and an operator's switch on the same router. Tried: a drill's restore (and a
 * promotion's primary switch) made while the poll's read of the store was in flight — the read
 * had seen the state before the switch. FailoverIT found the router still in {@code primary-down}
 * right after a drill reported it restored: the poll applied its stale read after the switch.
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
    void aPollAppliesWhatAnotherRouterWrote() {
        store.delegate.setMode(RouterMode.PRIMARY_DOWN, "set through another router");

        control.refresh();

        assertThat(control.mode()).isEqualTo(RouterMode.PRIMARY_DOWN);
        assertThat(circuit.isOpen()).isTrue();
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

    /** A store whose next read takes its value at once and returns it only when released. */
    private static final class PausingStore implements AdminStateStore {
        final AdminStateStore delegate;
        final CountDownLatch readTaken = new CountDownLatch(1);
        final CountDownLatch releaseRead = new CountDownLatch(1);
        private volatile boolean pauseNext;

        PausingStore(AdminStateStore delegate) {
            this.delegate = delegate;
        }

        void pauseNextRead() {
            pauseNext = true;
        }

        @Override
        public AdminState read() {
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
        public AdminState setMode(RouterMode mode, String reason) {
            return delegate.setMode(mode, reason);
        }

        @Override
        public AdminState setPrimary(Optional<URI> url) {
            return delegate.setPrimary(url);
        }
    }
}
