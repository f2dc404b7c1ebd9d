package io.georeg.replica.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.RepositoryName;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FreshnessTest {
    private static final RepositoryName APP = RepositoryName.of("team/app");
    private static final RepositoryName OTHER = RepositoryName.of("team/other");
    private static final long HORIZON = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong clock = new AtomicLong(-5_000_000_000L);

    @Test
    void nothingIsCachedBeforeTheListenerConnects() {
        Freshness f = new Freshness(HORIZON, clock::get);
        assertThat(f.stamp(APP)).isNull();
    }

    @Test
    void aStampStaysValidUntilItsRepositoryChanges() {
        Freshness f = connected();
        Freshness.Stamp s = f.stamp(APP);
        f.repositoryChanged(OTHER);
        assertThat(f.valid(s, false)).isEqualTo(stripeOf(APP) != stripeOf(OTHER));
        f.repositoryChanged(APP);
        assertThat(f.valid(s, false)).isFalse();
    }

    @Test
    void blobServabilityChangesInvalidateOnlyBlobFacts() {
        Freshness f = connected();
        Freshness.Stamp s = f.stamp(APP);
        f.blobChanged();
        assertThat(f.valid(s, false)).isTrue();
        assertThat(f.valid(s, true)).isFalse();
    }

    @Test
    void losingTheListenerInvalidatesEverythingAndAReconnectDoesNotReviveIt() {
        Freshness f = connected();
        Freshness.Stamp s = f.stamp(APP);
        f.listenerDisconnected();
        assertThat(f.valid(s, false)).isFalse();
        assertThat(f.stamp(APP)).isNull();
        f.listenerConnected();
        f.caughtUp(clock.get());
        assertThat(f.valid(s, false))
                .as("changes may have been missed while down")
                .isFalse();
        assertThat(f.valid(f.stamp(APP), false)).isTrue();
    }

    @Test
    void nothingIsServedUntilTheListenerHasCaughtUp() {
        Freshness f = new Freshness(HORIZON, clock::get);
        f.listenerConnected();
        Freshness.Stamp s = f.stamp(APP);
        assertThat(f.valid(s, false)).as("no heartbeat back yet").isFalse();
        f.caughtUp(clock.get());
        assertThat(f.valid(s, false)).isTrue();
    }

    @Test
    void aFactOutlivesTheHorizonWhileHeartbeatsComeBack() {
        Freshness f = connected();
        Freshness.Stamp s = f.stamp(APP);
        for (int i = 0; i < 40; i++) {
            clock.addAndGet(HORIZON / 4);
            f.caughtUp(clock.get());
        }
        assertThat(f.valid(s, false))
                .as("ten horizons later, nothing changed and the listener kept up")
                .isTrue();
    }

    @Test
    void aListenerThatFallsBehindTheHorizonBypassesTheCacheUntilItCatchesUp() {
        Freshness f = connected();
        Freshness.Stamp s = f.stamp(APP);
        long sent = clock.get();
        clock.addAndGet(HORIZON - 1);
        assertThat(f.valid(s, false)).isTrue();
        clock.addAndGet(1);
        assertThat(f.valid(s, false))
                .as("a change committed right after the last heartbeat may not have been heard")
                .isFalse();
        f.caughtUp(clock.get() - HORIZON);
        assertThat(f.valid(s, false))
                .as("a heartbeat sent a horizon ago does not help")
                .isFalse();
        f.caughtUp(clock.get());
        assertThat(f.valid(s, false)).isTrue();
        f.caughtUp(sent);
        assertThat(f.valid(s, false))
                .as("a late older heartbeat takes nothing back")
                .isTrue();
    }

    @Test
    void losingTheListenerForgetsHowFarItHadCaughtUp() {
        Freshness f = connected();
        f.listenerDisconnected();
        f.listenerConnected();
        assertThat(f.valid(f.stamp(APP), false))
                .as("the new connection's heartbeat has not come back")
                .isFalse();
    }

    @Test
    void anUnknownChangeFlushesEverything() {
        Freshness f = connected();
        Freshness.Stamp s = f.stamp(APP);
        f.anythingChanged();
        assertThat(f.valid(s, false)).isFalse();
    }

    private Freshness connected() {
        Freshness f = new Freshness(HORIZON, clock::get);
        f.listenerConnected();
        f.caughtUp(clock.get());
        return f;
    }

    private int stripeOf(RepositoryName name) {
        return connected().stamp(name).stripe();
    }
}
