package io.georeg.replicator.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class InFlightBlobsTest {
    private static final Digest BASE = Digest.sha256("base layer".getBytes(StandardCharsets.UTF_8));
    private static final Digest OTHER = Digest.sha256("other layer".getBytes(StandardCharsets.UTF_8));

    @Test
    void aSecondHolderOfTheSameDigestWaitsForTheFirstAndIsToldItWaited() throws Exception {
        InFlightBlobs inFlight = new InFlightBlobs();
        InFlightBlobs.Held first = inFlight.hold(BASE);
        assertThat(first.waited()).isFalse();
        AtomicBoolean secondIn = new AtomicBoolean();
        CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> {
            try (InFlightBlobs.Held held = inFlight.hold(BASE)) {
                secondIn.set(true);
                return held.waited();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(30)).until(() -> !secondIn.get());
        first.close();
        assertThat(second.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(inFlight.size()).isZero();
    }

    @Test
    void differentDigestsDoNotWaitForEachOther() throws Exception {
        InFlightBlobs inFlight = new InFlightBlobs();
        try (InFlightBlobs.Held base = inFlight.hold(BASE)) {
            CompletableFuture<Boolean> other = CompletableFuture.supplyAsync(() -> {
                try (InFlightBlobs.Held held = inFlight.hold(OTHER)) {
                    return held.waited();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(other.get(30, TimeUnit.SECONDS)).isFalse();
            assertThat(base.waited()).isFalse();
        }
        assertThat(inFlight.size()).isZero();
    }

    @Test
    void anInterruptedWaiterLeavesAndTheDigestIsForgottenOnceReleased() throws Exception {
        InFlightBlobs inFlight = new InFlightBlobs();
        InFlightBlobs.Held first = inFlight.hold(BASE);
        CountDownLatch interrupted = new CountDownLatch(1);
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                inFlight.hold(BASE).close();
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> waiter.getState() == Thread.State.WAITING);
        waiter.interrupt();
        assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
        first.close();
        assertThat(inFlight.size()).isZero();
    }
}
