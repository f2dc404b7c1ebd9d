package io.georeg.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class PeriodicJobTest {
    private static final Logger LOG = LoggerFactory.getLogger(PeriodicJobTest.class);

    private static List<Thread> threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(name))
                .toList();
    }

    @Test
    void aRunThatThrowsDoesNotEndTheJobTheNextRunComesOnSchedule() throws InterruptedException {
        CountDownLatch threeRuns = new CountDownLatch(3);
        try (PeriodicJob job =
                new PeriodicJob("test-failing-job", Duration.ofMillis(5), LOG, "failing on purpose", () -> {
                    threeRuns.countDown();
                    throw new IllegalStateException("a broken run");
                })) {
            job.start(Duration.ZERO);

            assertThat(threeRuns.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void runsOnOneNamedDaemonThreadHoweverOftenItIsStarted() throws InterruptedException {
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        CountDownLatch twoRuns = new CountDownLatch(2);
        try (PeriodicJob job = new PeriodicJob("test-named-job", Duration.ofMillis(5), LOG, "recording", () -> {
            ranOn.add(Thread.currentThread());
            twoRuns.countDown();
        })) {
            job.start(Duration.ZERO);
            job.start(Duration.ZERO);

            assertThat(twoRuns.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(threadsNamed("test-named-job")).hasSize(1);
            assertThat(ranOn).allSatisfy(t -> {
                assertThat(t.getName()).isEqualTo("test-named-job");
                assertThat(t.isDaemon()).isTrue();
            });
        }
    }

    @Test
    void closeEndsTheThreadEvenWhileTheFirstRunIsStillDue() {
        PeriodicJob job = new PeriodicJob("test-closed-job", Duration.ofHours(1), LOG, "never running", () -> {
            throw new AssertionError("ran although closed before its first run");
        });
        job.start(Duration.ofHours(1));
        assertThat(threadsNamed("test-closed-job")).hasSize(1);

        job.close();
        job.close();

        assertThat(threadsNamed("test-closed-job")).isEmpty();
    }
}
