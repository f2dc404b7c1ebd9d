package io.georeg.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.testkit.logs.CapturedLog;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BackendWatchTest {
    private static final String NO_ANSWER =
            "storage unavailable (no answer within PT0.05S): reads are answered from the primary while it is";
    private static final String CONNECTION_REFUSED = "gcs listing of gs://registry-b/ failed: Connection refused";
    private static final String MISSING_BUCKET =
            "s3 listing of s3://registry-b/ failed: The specified bucket does not exist (Status Code: 404)";

    /**
     * What georeg started against a missing S3 bucket logged: its first probe overran the budget
     * while the S3 client loaded and connected, so the one line said "no answer", and the error
     * of every probe after it (the bucket's name and that it does not exist) was never logged.
     */
    @Test
    void theErrorThatFollowsAProbeWithoutAnswerIsLoggedOnce() throws Exception {
        CountDownLatch firstProbeMayEnd = new CountDownLatch(1);
        CountDownLatch fiveFailures = new CountDownLatch(5);
        AtomicInteger probes = new AtomicInteger();
        BackendWatch.Probe probe = () -> {
            if (probes.getAndIncrement() == 0) {
                firstProbeMayEnd.await(); // a client's first call: slower than the budget
            }
            fiveFailures.countDown();
            throw new IllegalStateException(MISSING_BUCKET);
        };
        try (CapturedLog log = CapturedLog.of(BackendWatch.class.getName());
                BackendWatch watch = storageWatch(probe)) {
            watch.start();
            assertThat(log.lines()).containsExactly(NO_ANSWER);

            firstProbeMayEnd.countDown();
            assertThat(fiveFailures.await(10, TimeUnit.SECONDS)).isTrue();
            watch.close();

            assertThat(log.lines())
                    .as("the error once, however many probes got it")
                    .containsExactly(
                            NO_ANSWER,
                            "storage still unavailable, because of: IllegalStateException: " + MISSING_BUCKET);
            assertThat(watch.available("storage")).isFalse();
        }
    }

    /**
     * A GCS endpoint that refuses connections: the client retries for longer than the budget, so
     * every probe overruns, and its error arrives after the round that started it gave up
     * waiting. The first such error is logged once, however the slow and failing probes alternate.
     */
    @Test
    void theErrorOfAProbeThatOverranItsRoundIsLoggedOnce() throws Exception {
        Semaphore answers = new Semaphore(0);
        AtomicInteger probes = new AtomicInteger();
        BackendWatch.Probe probe = () -> {
            probes.incrementAndGet();
            answers.acquire(); // every probe takes longer than the budget
            throw new IllegalStateException(CONNECTION_REFUSED);
        };
        try (CapturedLog log = CapturedLog.of(BackendWatch.class.getName());
                BackendWatch watch = storageWatch(probe)) {
            watch.start();
            for (int n = 1; n <= 3; n++) {
                answers.release();
                int next = n + 1;
                await().atMost(Duration.ofSeconds(10)).until(() -> probes.get() >= next);
            }
            watch.close();

            assertThat(log.lines())
                    .containsExactly(
                            NO_ANSWER,
                            "storage still unavailable, because of: IllegalStateException: " + CONNECTION_REFUSED);
        } finally {
            answers.release(10);
        }
    }

    /** Storage probed every 10 ms with a budget of 50 ms. */
    private static BackendWatch storageWatch(BackendWatch.Probe probe) {
        return new BackendWatch(
                Map.of("storage", probe), Duration.ofMillis(10), Duration.ofMillis(50), new PrometheusRegistry());
    }
}
