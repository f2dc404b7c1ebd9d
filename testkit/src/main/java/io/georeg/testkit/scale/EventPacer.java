package io.georeg.testkit.scale;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends a primary's tag push notifications to a replicator's intake at a fixed rate, one event per
 * envelope (as distribution sends them when events come one at a time), each with a fresh event
 * id and the send time as its timestamp, so that the replicator's lag (event time to applied) is
 * measured from the moment the event left. The tags are {@code <prefix><r>:<tag prefix><t>} for
 * every repository {@code r} and tag {@code t}, taken in turn; all point at one manifest.
 *
 * <pre>java -cp testkit.cp io.georeg.testkit.scale.EventPacer INTAKE_URL SECRET EVENTS_PER_SECOND SECONDS
 *     REPOSITORY_PREFIX REPOSITORIES TAG_PREFIX TAGS MANIFEST_DIGEST MANIFEST_SIZE</pre>
 *
 * Prints one line: {@code events <sent> seconds <s> rate <events/s> failed <n> retried <n>
 * most_late_ms <ms> post_p50_ms <ms> post_p99_ms <ms>}: a rate below the one asked for, or a
 * large lateness (how far the sends fell behind their schedule), says the intake did not keep up.
 * Exits 1 when an event was refused or got no answer after {@link #ATTEMPTS} attempts.
 */
public final class EventPacer {
    /**
     * POSTs in flight at most: distribution sends one at a time per endpoint; a few let the pacer
     * keep the rate while one waits for a commit, and bound what a slow intake has queued.
     */
    private static final int SENDERS = 4;

    private static final int ATTEMPTS = 3;

    private EventPacer() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 10) {
            System.err.println("usage: EventPacer INTAKE_URL SECRET EVENTS_PER_SECOND SECONDS REPOSITORY_PREFIX"
                    + " REPOSITORIES TAG_PREFIX TAGS MANIFEST_DIGEST MANIFEST_SIZE");
            System.exit(2);
        }
        URI intake = URI.create(args[0]);
        String secret = args[1];
        int rate = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        String repositoryPrefix = args[4];
        int repositories = Integer.parseInt(args[5]);
        String tagPrefix = args[6];
        int tags = Integer.parseInt(args[7]);
        String digest = args[8];
        long size = Long.parseLong(args[9]);

        long total = (long) rate * seconds;
        long periodNanos = 1_000_000_000L / rate;
        AtomicLong next = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong retries = new AtomicLong();
        AtomicLong maxLateNanos = new AtomicLong();
        ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        try (HttpClient http = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
                ExecutorService senders = Executors.newFixedThreadPool(SENDERS)) {
            for (int s = 0; s < SENDERS; s++) {
                senders.execute(() -> {
                    for (long i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                        long due = start + i * periodNanos;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        } else {
                            maxLateNanos.accumulateAndGet(-wait, Math::max);
                        }
                        int r = (int) (i % repositories);
                        int t = (int) ((i / repositories) % tags);
                        String body = envelope(repositoryPrefix + r, tagPrefix + t, digest, size, intake);
                        HttpRequest request = HttpRequest.newBuilder(intake)
                                .timeout(Duration.ofSeconds(30))
                                .header("Content-Type", "application/vnd.docker.distribution.events.v1+json")
                                .header("Authorization", "Bearer " + secret)
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build();
                        long t0 = System.nanoTime();
                        String error = send(http, request, retries);
                        latencies.add((System.nanoTime() - t0) / 1e6);
                        if (error != null) {
                            failed.incrementAndGet();
                            errors.add(error);
                        }
                    }
                });
            }
            senders.shutdown();
            senders.awaitTermination(seconds + 600L, TimeUnit.SECONDS);
        }
        double took = (System.nanoTime() - start) / 1e9;
        List<Double> sorted = new ArrayList<>(latencies);
        sorted.sort(null);
        System.out.printf(
                Locale.ROOT,
                "events %d seconds %.1f rate %.1f failed %d retried %d most_late_ms %.0f post_p50_ms %.2f"
                        + " post_p99_ms %.2f%n",
                total,
                took,
                total / took,
                failed.get(),
                retries.get(),
                maxLateNanos.get() / 1e6,
                percentile(sorted, 50),
                percentile(sorted, 99));
        if (failed.get() > 0) {
            errors.stream().distinct().limit(5).forEach(e -> System.err.println("intake refused an event: " + e));
            System.exit(1);
        }
    }

    /**
     * POSTs one envelope as distribution does, retrying what did not get an answer (a connection
     * the server closed as it was reused) up to {@link #ATTEMPTS} times; null when it got a 200.
     */
    private static String send(HttpClient http, HttpRequest request, AtomicLong retries) {
        String error = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                int status = http.send(request, HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                return status == 200 ? null : "HTTP " + status;
            } catch (java.io.IOException e) {
                error = e.toString();
                retries.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return e.toString();
            }
        }
        return error;
    }

    /** A distribution 2.8 push envelope of one manifest pushed by tag (the fields the intake reads). */
    static String envelope(String repository, String tag, String digest, long size, URI intake) {
        String host = intake.getHost() + ":" + intake.getPort();
        return """
                {"events":[{"id":"%s","timestamp":"%s","action":"push",\
                "target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":%d,"digest":"%s",\
                "length":%d,"repository":"%s","url":"http://%s/v2/%s/manifests/%s","tag":"%s"},\
                "request":{"id":"%s","addr":"127.0.0.1:1","host":"%s","method":"PUT","useragent":"bench-scale"},\
                "actor":{},"source":{"addr":"bench:0","instanceID":"bench-scale"}}]}""".formatted(
                        UUID.randomUUID(),
                        Instant.now(),
                        size,
                        digest,
                        size,
                        repository,
                        host,
                        repository,
                        digest,
                        tag,
                        UUID.randomUUID(),
                        host);
    }

    private static double percentile(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
