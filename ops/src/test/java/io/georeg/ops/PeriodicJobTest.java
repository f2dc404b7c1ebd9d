package io.georeg.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
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

    /** The formatted warnings a logger of its own logs, with their exceptions' messages. */
    private static final class Warnings extends AppenderBase<ILoggingEvent> {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final Logger log;

        Warnings(String name) {
            log = LoggerFactory.getLogger(PeriodicJobTest.class.getName() + "." + name);
            start();
            ((ch.qos.logback.classic.Logger) log).addAppender(this);
        }

        @Override
        protected void append(ILoggingEvent event) {
            lines.add(event.getFormattedMessage()
                    + (event.getThrowableProxy() == null
                            ? ""
                            : " / " + event.getThrowableProxy().getMessage()));
        }
    }

    @Test
    void aRunThatThrowsDoesNotEndTheJobTheNextRunComesOnSchedule() throws InterruptedException {
        CountDownLatch threeRuns = new CountDownLatch(3);
        Warnings warnings = new Warnings("failing");
        try (PeriodicJob job = new PeriodicJob(
                "test-failing-job", Duration.ofMillis(5), warnings.log, "failing on purpose; again in {}", () -> {
                    threeRuns.countDown();
                    throw new IllegalStateException("a broken run");
                })) {
            job.start(Duration.ZERO);

            assertThat(threeRuns.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(warnings.lines)
                .hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(line -> assertThat(line).isEqualTo("failing on purpose; again in PT0.005S / a broken run"));
    }

    @Test
    void aRunThatOutlivesTheCloseWaitIsWarnedAbout() throws InterruptedException {
        Warnings warnings = new Warnings("stuck");
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        PeriodicJob job = new PeriodicJob("test-stuck-job", Duration.ofHours(1), warnings.log, "stuck {}", () -> {
                    running.countDown();
                    // Like a database call: the interruption of close does not end it.
                    while (release.getCount() > 0) {
                        try {
                            release.await();
                        } catch (InterruptedException ignoredLikeABlockingCall) {
                            // keeps waiting
                        }
                    }
                })
                .stopWithin(Duration.ofMillis(50), () -> "test job did not stop within 50 ms");
        job.start(Duration.ZERO);
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

        job.close();

        assertThat(warnings.lines).containsExactly("test job did not stop within 50 ms");
        release.countDown();
    }

    @Test
    void aRunThatEndsWithinTheCloseWaitIsNotWarnedAbout() throws InterruptedException {
        Warnings warnings = new Warnings("interruptible");
        CountDownLatch running = new CountDownLatch(1);
        PeriodicJob job = new PeriodicJob("test-sleeping-job", Duration.ofHours(1), warnings.log, "sleeping {}", () -> {
                    running.countDown();
                    try {
                        new CountDownLatch(1).await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })
                .stopWithin(Duration.ofSeconds(10), () -> "sleeping job did not stop");
        job.start(Duration.ZERO);
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

        job.close();

        assertThat(warnings.lines).isEmpty();
    }

    @Test
    void runNowThenStartRunsOnTheCallersThreadBeforeItReturnsThenOnTheJobsThread() throws InterruptedException {
        List<String> ranOn = new CopyOnWriteArrayList<>();
        CountDownLatch secondRun = new CountDownLatch(2);
        try (PeriodicJob job = new PeriodicJob("test-run-now-job", Duration.ofMillis(5), LOG, "recording {}", () -> {
            ranOn.add(Thread.currentThread().getName());
            secondRun.countDown();
        })) {
            job.runNowThenStart();
            assertThat(ranOn).first().isEqualTo(Thread.currentThread().getName());
            job.runNowThenStart();

            assertThat(secondRun.await(10, TimeUnit.SECONDS)).isTrue();
            // A copy: the job goes on adding every 5 ms, and a CopyOnWriteArrayList's subList
            // throws ConcurrentModificationException once its list changed under it.
            List<String> runs = List.copyOf(ranOn);
            assertThat(runs.subList(1, runs.size()))
                    .allSatisfy(name -> assertThat(name).isEqualTo("test-run-now-job"));
        }
    }

    @Test
    void aFirstRunThatThrowsOnTheCallersThreadIsTheCallersAndStartsNothing() {
        PeriodicJob job = new PeriodicJob("test-refused-job", Duration.ofMillis(5), LOG, "refusing {}", () -> {
            throw new IllegalStateException("cannot read the state");
        });

        assertThatThrownBy(job::runNowThenStart).hasMessage("cannot read the state");
        assertThat(threadsNamed("test-refused-job")).isEmpty();
    }

    @Test
    void runsOnOneNamedDaemonThreadHoweverOftenItIsStarted() throws InterruptedException {
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        CountDownLatch twoRuns = new CountDownLatch(2);
        try (PeriodicJob job = new PeriodicJob("test-named-job", Duration.ofMillis(5), LOG, "recording {}", () -> {
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
    void closeEndsTheThreadEvenWhileTheFirstRunIsStillDue() throws InterruptedException {
        PeriodicJob job = new PeriodicJob("test-closed-job", Duration.ofHours(1), LOG, "never running {}", () -> {
            throw new AssertionError("ran although closed before its first run");
        });
        job.start(Duration.ofHours(1));
        List<Thread> threads = threadsNamed("test-closed-job");
        assertThat(threads).hasSize(1);

        job.close();
        job.close();

        // close returns once the executor has terminated; its thread leaves a moment after that
        // (a fresh clone saw it still listed right after close), so wait for it to end, bounded.
        Thread thread = threads.getFirst();
        assertThat(thread.join(Duration.ofSeconds(10)))
                .as("the job's thread ended")
                .isTrue();
    }
}
