package io.georeg.replicator.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import io.georeg.oci.RepositoryName;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.primary.BlobStream;
import io.georeg.replicator.primary.PrimaryContent;
import io.georeg.replicator.queue.WorkState;
import io.georeg.replicator.queue.WorkerConfig;
import io.georeg.replicator.reconcile.ReconcileProgress;
import io.georeg.replicator.reconcile.ReconcileSummary;
import io.georeg.replicator.reconcile.SyncConfig;
import io.georeg.replicator.testing.ReplicatorDatabase;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3's replication benchmark, on demand (not part of {@code verify}: the name does not end in
 * IT):
 * <pre>mvn -B -pl replicator verify -Dit.test=ReplicationBenchmark -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false</pre>
 * <ol>
 *   <li>61 images in 20 repositories are pushed to a distribution primary with skopeo, layers as
 *       they are (not compressed on the way): a 2 MiB base layer shared by all, two own layers
 *       each spread from 16 KiB to 8 MiB, and one image with a 256 MiB layer (issue 14's corpus);</li>
 *   <li>baseline: {@code skopeo sync} of all of them to a second, empty distribution (wall time, MB/s);</li>
 *   <li>floor: every distinct blob read once from the primary through the replicator's own HTTP
 *       client, as many at a time as the replicator has workers, bytes discarded;</li>
 *   <li>georeg: initial replication into an empty replica, i.e. a full reconcile crawl plus the
 *       workers draining the queue (wall time, MB/s): first in the cold JVM (its first copies,
 *       JIT compiling meanwhile), then {@link #WARM_RUNS} times more, each into a new empty replica
 *       (own database and storage) in the same, warmer JVM; with the blobs and bytes actually pulled from the primary, when the
 *       256 MiB layer's image and the last of the other images were done, the JVM's CPU time and
 *       JIT compilation time of each, and where the CPU went by Linux's accounting
 *       ({@link CpuAccount}: the JIT's compiler threads, GC, the Java threads, the PostgreSQL
 *       backends of the replica's database, the primary; also for each floor), with the run's
 *       start and end in epoch seconds to line up a system-wide profile ({@code perf record -a});</li>
 *   <li>steady state: new images pushed at 5/s for 20 s while the replicator runs from
 *       notifications; lag per tag (event timestamp to applied, from the queue table) p50/p99.</li>
 * </ol>
 * Prints a Markdown table and writes it to {@code target/replication-benchmark.md};
 * {@code scripts/bench-replication} runs it and keeps the table in {@code bench-results/}.
 */
class ReplicationBenchmark {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    private static final int IMAGES = 61;
    private static final int REPOSITORIES = 20;
    private static final int BASE_BYTES = 2 * 1024 * 1024;
    private static final int OWN_LAYERS = 2;
    private static final int SMALLEST_LAYER = 16 * 1024;
    private static final int LARGEST_LAYER = 8 * 1024 * 1024;
    private static final int BIG_LAYER = 256 * 1024 * 1024;

    /**
     * 16 workers unless {@code -Dbench.workers=N} (the default is 8; copies wait on the primary, the
     * database and fsync more than on CPU), quick retries.
     */
    private static final WorkerConfig WORKERS = ReplicatorUnderTest.fastRetries(Integer.getInteger("bench.workers", 16))
            .withRetries(8, Duration.ofMillis(100), Duration.ofSeconds(2));

    /**
     * {@code -Dbench.initialOnly=true} (scripts/bench-replication initial): skopeo sync, the floors
     * and the two initial replications only, no steady state and no intake latency, for
     * interleaved A/B runs of initial replication.
     */
    private static final boolean INITIAL_ONLY = Boolean.getBoolean("bench.initialOnly");

    /**
     * Initial replications after the cold one, each into a new empty replica of the same process
     * ({@code -Dbench.warmRuns=N}, default 2): one run of about 4 s does not finish the JIT's work
     * (its compiler threads still used 1.3–1.9 s of CPU in the second run at the sitting of
     * 2026-12-06 22:10, a third of the process's), so the first warm run alone cannot say what a
     * replicator that has run a while takes.
     */
    private static final int WARM_RUNS = Math.max(1, Integer.getInteger("bench.warmRuns", 2));

    @TempDir
    Path temp;

    @Test
    void replicationBenchmark() throws Exception {
        Skopeo skopeo = Skopeo.require();
        try (ReplicatorUnderTest replica = ReplicatorUnderTest.asShipped(DB, temp.resolve("replica"));
                Distribution primary = Distribution.notifying(
                        temp.resolve("primary"), replica.intakeUrl(), ReplicatorUnderTest.SECRET);
                Distribution target = Distribution.notifying(
                        temp.resolve("target"), URI.create("http://127.0.0.1:9/"), "unused-secret-unused")) {
            Replicator replicator = replica.build(primary.url(), WORKERS, SyncConfig.everything());
            // 1. Populate the primary (the replicator's workers are not running yet).
            byte[] base = seeded(1, BASE_BYTES);
            long totalBytes = 0;
            List<Path> dirs = new ArrayList<>();
            Map<Digest, RepositoryName> distinctBlobs = new LinkedHashMap<>();
            for (int i = 0; i < IMAGES; i++) {
                Path dir = temp.resolve("images").resolve("img-" + i);
                totalBytes += writeImage(dir, i, layers(i, base));
                dirs.add(dir);
                for (Digest blob : blobsOf(dir)) {
                    distinctBlobs.putIfAbsent(blob, repositoryOf(i));
                }
            }
            ExecutorService pushers = Executors.newFixedThreadPool(4);
            List<Future<?>> pushes = new ArrayList<>();
            for (int i = 0; i < IMAGES; i++) {
                String ref = repositoryOf(i) + ":v" + (i / REPOSITORIES);
                Path dir = dirs.get(i);
                pushes.add(pushers.submit(() -> skopeo.run(
                                List.of(
                                        "copy",
                                        "--preserve-digests", // the layers as they are: not compressed on the way
                                        "--dest-tls-verify=false",
                                        "dir:" + dir,
                                        "docker://" + primary.hostPort() + "/" + ref),
                                Skopeo.DEFAULT_TIMEOUT)
                        .requireSuccess()));
            }
            for (Future<?> f : pushes) {
                f.get();
            }
            pushers.shutdown();
            double megabytes = totalBytes / 1e6;

            // 2. Baseline: skopeo sync of the same images to an empty distribution.
            StringBuilder yaml = new StringBuilder(primary.hostPort() + ":\n  tls-verify: false\n  images:\n");
            for (int r = 0; r < REPOSITORIES; r++) {
                yaml.append("    bench/app-").append(r).append(": []\n");
            }
            Path syncFile = temp.resolve("sync.yml");
            Files.writeString(syncFile, yaml.toString());
            long t0 = System.nanoTime();
            skopeo.run(
                            List.of(
                                    "sync",
                                    "--preserve-digests", // as pushed: skopeo neither compresses nor converts
                                    "--src",
                                    "yaml",
                                    "--dest",
                                    "docker",
                                    "--dest-tls-verify=false",
                                    syncFile.toString(),
                                    target.hostPort() + "/synced"),
                            Duration.ofMinutes(10))
                    .requireSuccess();
            double skopeoSeconds = (System.nanoTime() - t0) / 1e9;

            // 2b. The floor: every distinct blob read once from the primary, nothing stored; again
            //     after the last warm run, so that the georeg runs have a floor measured on each side.
            CpuAccount floorAccount = new CpuAccount(DB, primary::cpuTime);
            Floor floor = readEveryBlobOnce(replicator.primary().content(), distinctBlobs, floorAccount);

            // 3. georeg: full crawl and copy into the empty replica (events of step 1 dropped: no head start).
            //    First in a cold JVM (the process's first copies: the JIT compiles the copy path meanwhile),
            //    then again WARM_RUNS times, each into a new empty replica (own database and storage).
            ReplicatorDatabase.truncateQueue(DB);
            InitialRun cold = initialReplication(DB, replica, replicator, primary);
            List<InitialRun> warmRuns = new ArrayList<>();
            for (int run = 1; run <= WARM_RUNS; run++) {
                try (TestDatabase warmDb = TestDatabase.create();
                        ReplicatorUnderTest warmReplica =
                                ReplicatorUnderTest.asShipped(warmDb, temp.resolve("replica-warm-" + run))) {
                    Replicator next = warmReplica.build(primary.url(), WORKERS, SyncConfig.everything());
                    warmRuns.add(initialReplication(warmDb, warmReplica, next, primary));
                }
            }
            InitialRun warm = warmRuns.getLast();
            Floor floorAfter = readEveryBlobOnce(replicator.primary().content(), distinctBlobs, floorAccount);

            // 4. Steady state: 5 pushes per second for 20 s, replicated from notifications.
            ReplicatorDatabase.truncateQueue(DB);
            int steadyPushes = INITIAL_ONLY ? 0 : 100;
            ScheduledExecutorService ticker = Executors.newScheduledThreadPool(6);
            List<ScheduledFuture<?>> scheduled = new ArrayList<>();
            for (int i = 0; i < steadyPushes; i++) {
                Path dir = temp.resolve("steady").resolve("img-" + i);
                writeImage(dir, 1000 + i, base, seeded(1000 + i, 64 * 1024));
                String ref = "steady/app-" + (i % 10) + ":t" + i;
                scheduled.add(ticker.schedule(
                        () -> skopeo.run(
                                        List.of(
                                                "copy",
                                                "--dest-tls-verify=false",
                                                "dir:" + dir,
                                                "docker://" + primary.hostPort() + "/" + ref),
                                        Skopeo.DEFAULT_TIMEOUT)
                                .requireSuccess(),
                        i * 200L,
                        TimeUnit.MILLISECONDS));
            }
            for (ScheduledFuture<?> f : scheduled) {
                f.get();
            }
            ticker.shutdown();
            await("steady-state pushes applied")
                    .atMost(Duration.ofMinutes(2))
                    .until(() ->
                            DB.queryLong("SELECT count(*) FROM replication_work WHERE kind = 'tag' AND state = 'done'")
                                    == steadyPushes);
            List<Double> lags = tagLags();

            // 5. Intake latency: sequential envelopes, as distribution sends them (one at a time).
            List<Double> intake = intakeLatencies(replica.intakeUrl(), INITIAL_ONLY ? 0 : 500);

            String table = """
                    | Replication benchmark (this machine, one run) | wall time | MB/s |
                    |---|---|---|
                    | skopeo sync, distribution → distribution, %d images, %.0f MB counted per image | %.2f s | %.1f |
                    | floor: every distinct blob read once from the primary (%d blobs, %.0f MB; %d at a time, the replicator's client, bytes discarded), before the cold run | %.2f s | %.1f |
                    | georeg initial replication (crawl + copy), cold JVM: the process's first copies | %.2f s | %.1f |
                    %s| floor again, after the last warm run | %.2f s | %.1f |
                    | georeg / skopeo (target ≤ 0.3×) | cold %.2f×, warm %s | |
                    | georeg / the floor next to it (target ≤ 1.3×) | cold %.2f×, warm %.2f× (the last run) | |

                    %s
                    %s

                    Floor before the cold run, CPU by Linux's accounting: %s
                    Floor after the last warm run, CPU by Linux's accounting: %s

                    Steady state, %d pushes at 5/s, lag from the primary's event to the tag applied: p50 %.0f ms, p99 %.0f ms, max %.0f ms

                    Intake, %d sequential envelopes (commit + NOTIFY before the answer): p50 %.2f ms, p99 %.2f ms
                    """.formatted(
                            IMAGES,
                            megabytes,
                            skopeoSeconds,
                            megabytes / skopeoSeconds,
                            floor.blobs(),
                            floor.megabytes(),
                            WORKERS.concurrency(),
                            floor.seconds(),
                            floor.megabytes() / floor.seconds(),
                            cold.seconds(),
                            megabytes / cold.seconds(),
                            warmRows(warmRuns, megabytes),
                            floorAfter.seconds(),
                            floorAfter.megabytes() / floorAfter.seconds(),
                            cold.seconds() / skopeoSeconds,
                            warmRatios(warmRuns, skopeoSeconds),
                            cold.seconds() / floor.seconds(),
                            warm.seconds() / floorAfter.seconds(),
                            cold.describe("cold"),
                            warmDescriptions(warmRuns),
                            floor.cpu(),
                            floorAfter.cpu(),
                            steadyPushes,
                            percentile(lags, 50),
                            percentile(lags, 99),
                            percentile(lags, 100),
                            intake.size(),
                            percentile(intake, 50),
                            percentile(intake, 99));
            System.out.println(table);
            Files.writeString(Path.of("target", "replication-benchmark.md"), table);
        }
    }

    /** A table row per warm run, in the order they ran. */
    private static String warmRows(List<InitialRun> runs, double megabytes) {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < runs.size(); i++) {
            rows.append(("| georeg initial replication, warm JVM: run %d after the cold one, a new empty replica,"
                            + " same process | %.2f s | %.1f |\n")
                    .formatted(
                            i + 1,
                            runs.get(i).seconds(),
                            megabytes / runs.get(i).seconds()));
        }
        return rows.toString();
    }

    /** Each warm run's time over skopeo's, in order, e.g. "0.40× / 0.35×". */
    private static String warmRatios(List<InitialRun> runs, double skopeoSeconds) {
        return String.join(
                " / ",
                runs.stream()
                        .map(r -> "%.2f×".formatted(r.seconds() / skopeoSeconds))
                        .toList());
    }

    private static String warmDescriptions(List<InitialRun> runs) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < runs.size(); i++) {
            out.append(i == 0 ? "" : "\n").append(runs.get(i).describe("warm, run " + (i + 1)));
        }
        return out.toString();
    }

    /** Image {@code i}'s repository: the images are spread over {@link #REPOSITORIES}. */
    private static RepositoryName repositoryOf(int i) {
        return RepositoryName.of("bench/app-" + (i % REPOSITORIES));
    }

    /**
     * Image {@code i}'s layers: the shared base, then {@link #OWN_LAYERS} of its own whose sizes are
     * spread evenly on a log scale from {@link #SMALLEST_LAYER} to {@link #LARGEST_LAYER} over the
     * corpus; image 0's last layer is the 256 MiB one.
     */
    private static byte[][] layers(int i, byte[] base) {
        byte[][] layers = new byte[OWN_LAYERS + 1][];
        layers[0] = base;
        for (int j = 0; j < OWN_LAYERS; j++) {
            int k = i * OWN_LAYERS + j;
            double spread = (k * 0.6180339887498949) % 1.0; // golden-ratio steps cover [0, 1) evenly
            int size = (int) (SMALLEST_LAYER * Math.pow((double) LARGEST_LAYER / SMALLEST_LAYER, spread));
            layers[j + 1] = seeded(100 + k, i == 0 && j == OWN_LAYERS - 1 ? BIG_LAYER : size);
        }
        return layers;
    }

    /** The blobs (config and layers) of an image in skopeo's dir: format: the files named by their hex digest. */
    private static List<Digest> blobsOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(name -> name.matches("[0-9a-f]{64}"))
                    .sorted()
                    .map(hex -> Digest.parse("sha256:" + hex))
                    .toList();
        }
    }

    /**
     * Reads every blob once from the primary through the replicator's own client, as many at a time
     * as the replicator has workers, bytes discarded: what initial replication cannot beat.
     */
    private static Floor readEveryBlobOnce(
            PrimaryContent primary, Map<Digest, RepositoryName> blobs, CpuAccount account) throws Exception {
        ExecutorService readers = Executors.newFixedThreadPool(WORKERS.concurrency());
        try {
            List<Future<Long>> reads = new ArrayList<>();
            CpuAccount.Snapshot before = account.snapshot();
            long t0 = System.nanoTime();
            for (Map.Entry<Digest, RepositoryName> blob : blobs.entrySet()) {
                reads.add(readers.submit(() -> {
                    try (BlobStream stream = primary.openBlob(blob.getValue(), blob.getKey())
                                    .orElseThrow();
                            InputStream in = stream.content()) {
                        return in.transferTo(OutputStream.nullOutputStream());
                    }
                }));
            }
            long bytes = 0;
            for (Future<Long> read : reads) {
                bytes += read.get();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Floor(
                    seconds,
                    blobs.size(),
                    bytes / 1e6,
                    CpuAccount.describe(CpuAccount.between(before, account.snapshot())));
        } finally {
            readers.shutdown();
        }
    }

    /** The floor's wall time, blobs read, megabytes, and where its CPU went. */
    private record Floor(double seconds, int blobs, double megabytes, String cpu) {}

    /** Milliseconds per POST of a real blob-push envelope with a fresh event id, sorted. */
    private static List<Double> intakeLatencies(URI intake, int n) throws Exception {
        String template = Files.readString(
                io.georeg.replicator.testing.NotificationFixtures.directory().resolve("push-blob.json"));
        List<Double> out = new ArrayList<>();
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            for (int i = 0; i < n; i++) {
                String body = template.replace(
                        "598a09a3-893a-44c9-97e1-5342032afea7",
                        java.util.UUID.randomUUID().toString());
                java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(intake)
                        .header("Content-Type", "application/vnd.docker.distribution.events.v1+json")
                        .header("Authorization", "Bearer " + ReplicatorUnderTest.SECRET)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                        .build();
                long t = System.nanoTime();
                int status = http.send(request, java.net.http.HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                out.add((System.nanoTime() - t) / 1e6);
                assertThat(status).isEqualTo(200);
            }
        }
        out.sort(null);
        return out;
    }

    private static List<Double> tagLags() throws Exception {
        List<Double> lags = new ArrayList<>();
        try (Connection c = DB.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT EXTRACT(EPOCH FROM (done_at - first_event_at)) * 1000 FROM replication_work "
                                + "WHERE kind = 'tag' AND state = 'done' ORDER BY 1")) {
            while (rs.next()) {
                lags.add(rs.getDouble(1));
            }
        }
        return lags;
    }

    /** One initial replication: a full reconcile crawl, then until the queue is drained. */
    private static InitialRun initialReplication(
            TestDatabase db, ReplicatorUnderTest replica, Replicator replicator, Distribution primary) {
        CpuAccount account = new CpuAccount(db, primary::cpuTime);
        CpuAccount.Snapshot before = account.snapshot();
        var os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        var jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        long cpu0 = os.getProcessCpuTime();
        long jit0 = jit.getTotalCompilationTime();
        long started = System.currentTimeMillis();
        long t0 = System.nanoTime();
        ReconcileSummary summary;
        PoolSampler pool = PoolSampler.start(replica.database());
        try (pool) {
            summary = startAndDrain(replicator);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuSeconds = (os.getProcessCpuTime() - cpu0) / 1e9;
        double jitSeconds = (jit.getTotalCompilationTime() - jit0) / 1e3;
        java.util.Map<String, Double> cpu = CpuAccount.between(before, account.snapshot());
        assertThat(summary.tagPushesQueued()).isEqualTo(IMAGES);
        assertThat(db.queryLong("SELECT count(*) FROM replication_work WHERE state = 'done'"))
                .isEqualTo(IMAGES);
        String metrics = replica.metrics();
        return new InitialRun(
                seconds,
                summary.took().toMillis() / 1e3,
                metric(metrics, "georeg_replication_blobs_copied_total"),
                metric(metrics, "georeg_replication_bytes_copied_total") / 1e6,
                metric(metrics, "georeg_replication_blob_dedup_total"),
                cpuSeconds,
                jitSeconds,
                doneAt(db, started, "repository = '" + repositoryOf(0) + "' AND ref = 'v0'"),
                doneAt(db, started, "NOT (repository = '" + repositoryOf(0) + "' AND ref = 'v0')"),
                CpuAccount.describe(cpu),
                pool.describe(),
                started,
                System.currentTimeMillis());
    }

    /** Seconds from {@code startedMillis} to when the last of the tag rows {@code where} selects was done. */
    private static double doneAt(TestDatabase db, long startedMillis, String where) {
        return (db.queryLong("SELECT (EXTRACT(EPOCH FROM max(done_at)) * 1000)::bigint FROM replication_work WHERE "
                                + where)
                        - startedMillis)
                / 1e3;
    }

    /** Starts the workers, crawls the primary's whole catalog, and returns once nothing is pending or running. */
    static ReconcileSummary startAndDrain(Replicator replicator) {
        replicator.start();
        ReconcileSummary summary = replicator.reconciler().reconcileAll(List.of(), ReconcileProgress.NONE);
        await("initial replication")
                .atMost(Duration.ofMinutes(10))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    var depth = replicator.queue().depth().byState();
                    return depth.get(WorkState.PENDING) + depth.get(WorkState.IN_PROGRESS) == 0;
                });
        return summary;
    }

    /** What one initial replication took and moved. */
    private record InitialRun(
            double seconds,
            double crawlSeconds,
            double blobs,
            double megabytes,
            double linked,
            double jvmCpuSeconds,
            double jitSeconds,
            double bigImageDone,
            double othersDone,
            String cpu,
            String pool,
            long startedMillis,
            long endedMillis) {
        String describe(String name) {
            return ("georeg %s: crawl (catalog, tags lists, the replica's tags, a HEAD per tag the replica has; queued per repository, copies start meanwhile) %.2f s; "
                            + "%.0f blobs / %.1f MB pulled from the primary (the shared base layer once), %.0f linked instead of copied; "
                            + "the 256 MiB layer's image done at %.2f s, the other %d images by %.2f s; "
                            + "JVM CPU %.2f s (the whole test process: replicator, intake, test harness), "
                            + "JIT compilation %.2f s (the compiler threads' elapsed time, summed); "
                            + "CPU by Linux's accounting: %s; "
                            + "the replica's %s (the wake-up listener's LISTEN has a connection of its own, outside the pool); from %.3f to %.3f (epoch s, to line up profiles)")
                    .formatted(
                            name,
                            crawlSeconds,
                            blobs,
                            megabytes,
                            linked,
                            bigImageDone,
                            IMAGES - 1,
                            othersDone,
                            jvmCpuSeconds,
                            jitSeconds,
                            cpu,
                            pool,
                            startedMillis / 1e3,
                            endedMillis / 1e3);
        }
    }

    /** The sum of a metric's samples in Prometheus text format (0 when absent). */
    private static double metric(String exposition, String name) {
        double sum = 0;
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static double percentile(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static byte[] seeded(long seed, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** An OCI image in skopeo's dir: format: a config that {@code n} makes unique, then the layers. Returns its blob bytes. */
    static long writeImage(Path dir, int n, byte[]... layers) throws IOException {
        Files.createDirectories(dir);
        StringBuilder diffIds = new StringBuilder();
        StringBuilder layerDescriptors = new StringBuilder();
        for (byte[] layer : layers) {
            String sep = diffIds.isEmpty() ? "" : ",";
            diffIds.append(sep).append('"').append(Digest.sha256(layer)).append('"');
            layerDescriptors.append(sep).append(descriptor("application/vnd.oci.image.layer.v1.tar", layer));
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"N=" + n + "\"]},"
                        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}")
                .getBytes(StandardCharsets.UTF_8);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + descriptor("application/vnd.oci.image.config.v1+json", config) + ",\"layers\":["
                + layerDescriptors + "]}";
        Files.writeString(dir.resolve("version"), "Directory Transport Version: 1.1\n");
        Files.writeString(dir.resolve("manifest.json"), manifest);
        long bytes = config.length;
        Files.write(dir.resolve(Digest.sha256(config).hex()), config);
        for (byte[] layer : layers) {
            Files.write(dir.resolve(Digest.sha256(layer).hex()), layer);
            bytes += layer.length;
        }
        return bytes;
    }

    private static String descriptor(String mediaType, byte[] content) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + Digest.sha256(content) + "\",\"size\":"
                + content.length + "}";
    }
}
