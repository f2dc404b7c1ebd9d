package io.georeg.replicator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.primary.BlobStream;
import io.georeg.replicator.primary.PrimaryContent;
import io.georeg.replicator.queue.WorkerConfig;
import io.georeg.replicator.reconcile.ReconcileSummary;
import io.georeg.replicator.reconcile.SyncConfig;
import io.georeg.replicator.testing.ReplicatorDatabase;
import io.georeg.replicator.testing.ReplicatorUnderTest;
import io.georeg.storage.BlobStore;
import io.georeg.storage.BlobStores;
import io.georeg.storage.DefaultBlobStore;
import io.georeg.storage.DistributionLayout;
import io.georeg.storage.ObjectKey;
import io.georeg.storage.ObjectStore;
import io.georeg.storage.StorageConfig;
import io.georeg.storage.fs.FilesystemObjectStore;
import io.georeg.testkit.db.TestDatabase;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.Skopeo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the time of copying one big layer goes (issue 14, item 3), on demand like {@link
 * ReplicationBenchmark}: one image with a 256 MiB layer is pushed to a distribution primary, then
 * each part of the replicator's blob copy is timed on its own, best of three, next to the floor —
 * reading the blob from the primary once through the replicator's own HTTP client, bytes
 * discarded, after untimed reads that let the JIT compile the client's read path (a line under
 * the table gives them: a fresh JVM's first reads are several times slower) — and curl reading it
 * as an anchor outside the JVM: hashing, writing and committing
 * the bytes, the three in series on one thread (as the storage's put did before it overlapped
 * them), the storage's put from memory and from the primary, each with the share of its commit
 * (from the last byte written to the blob stored: what the flush behind the writer left), 20 small files committed one by
 * one (what an image's link files and manifest cost in fsyncs), and finally the whole replication
 * of the image into an empty replica (crawl, config and layer, manifest, tag), twice, the second
 * into another empty replica. Each timed row also gives the least CPU time this JVM and the
 * primary's process used in one of its runs (the figure to read on a loaded machine: wall time
 * there is mostly waiting for a CPU). Not a test: it asserts only that each step did its work. Prints a
 * Markdown table and writes it to {@code target/big-layer-benchmark.md}; {@code
 * scripts/bench-replication big-layer} runs it.
 */
class BigLayerCopyBenchmark {
    @RegisterExtension
    static final TestDatabase DB = new TestDatabase();

    private static final int LAYER_BYTES = 256 * 1024 * 1024;
    private static final int RUNS = 3;
    /** The piece size of the write rows (BlobStore.put's chunk until 2026-12-06; 256 KiB since), kept for comparison. */
    private static final int PIECE = 1024 * 1024;
    /** Reads of the layer before the floor: enough for the JIT to compile the client's read path (see {@link #warmUp}). */
    private static final int WARM_UP_READS = 5;

    private static final RepositoryName REPOSITORY = RepositoryName.of("bench/big");
    private static final WorkerConfig WORKERS = ReplicatorUnderTest.fastRetries(8);

    private static final com.sun.management.OperatingSystemMXBean JVM =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    @TempDir
    Path temp;

    private Distribution primary;
    /** Seconds of each commit of the put rows' runs, in run order: from the last byte written to the blob stored. */
    private final List<Double> commits = new ArrayList<>();

    @Test
    void bigLayerCopyBenchmark() throws Exception {
        Skopeo skopeo = Skopeo.require();
        try (ReplicatorUnderTest replica = ReplicatorUnderTest.asShipped(DB, temp.resolve("replica"));
                Distribution primary = Distribution.notifying(
                        temp.resolve("primary"), replica.intakeUrl(), ReplicatorUnderTest.SECRET)) {
            byte[] layer = ReplicationBenchmark.seeded(7, LAYER_BYTES);
            Digest digest = Digest.sha256(layer);
            Path image = temp.resolve("image");
            ReplicationBenchmark.writeImage(image, 0, layer);
            skopeo.run(
                            List.of(
                                    "copy",
                                    "--preserve-digests", // the layer as it is: not compressed on the way
                                    "--dest-tls-verify=false",
                                    "dir:" + image,
                                    "docker://" + primary.hostPort() + "/" + REPOSITORY + ":v1"),
                            Skopeo.DEFAULT_TIMEOUT)
                    .requireSuccess();
            deleteTree(image);
            Replicator replicator = replica.build(primary.url(), WORKERS, SyncConfig.everything());
            PrimaryContent content = replicator.primary().content();

            StringBuilder table = new StringBuilder();
            this.primary = primary;
            table.append("| one 256 MiB layer, best of ")
                    .append(RUNS)
                    .append(" | s | MB/s | of the floor | JVM CPU s | primary CPU s |\n");
            table.append("|---|---:|---:|---:|---:|---:|\n");
            String warmUp = warmUp(content, digest);
            Timing floor = best(() -> drain(content, digest));
            row(table, "floor: GET from the primary, the replicator's client, bytes discarded", floor, floor);
            URI blobUrl = primary.url().resolve("/v2/" + REPOSITORY + "/blobs/" + digest);
            row(table, "anchor: curl GET from the primary, bytes discarded", best(() -> curl(blobUrl)), floor);
            row(table, "SHA-256 of the bytes in memory", best(() -> hash(layer)), floor);
            row(
                    table,
                    "storage write from memory, no commit (1 MiB writes to the temporary file)",
                    best(() -> writeOnly(layer, digest, false)),
                    floor);
            row(
                    table,
                    "storage write from memory and commit (fsync, rename, fsync of the directory)",
                    best(() -> writeOnly(layer, digest, true)),
                    floor);
            row(
                    table,
                    "from memory, read, hash and write in series on one thread, then commit (BlobStore.put until now)",
                    best(() -> putInSeries(digest, new ByteArrayInputStream(layer))),
                    floor);
            commits.clear();
            row(
                    table,
                    "BlobStore.put from memory (read, hash and write overlapped, then commit)",
                    best(() -> put(digest, new ByteArrayInputStream(layer))),
                    floor);
            commitRow(table);
            row(
                    table,
                    "from the primary, in series on one thread (the replicator's byte path until now)",
                    best(() -> fromPrimary(content, digest, in -> putInSeries(digest, in))),
                    floor);
            commits.clear();
            row(
                    table,
                    "BlobStore.put from the primary: the replicator's byte path",
                    best(() -> fromPrimary(content, digest, in -> put(digest, in))),
                    floor);
            commitRow(table);

            double links = best(() -> smallCommits(20)).seconds();
            table.append(String.format(
                    Locale.ROOT,
                    "| 20 small files committed one by one (as an image's link files and manifest are) | %.3f | | | | |%n",
                    links));

            // The whole replication of the image, as the replicator runs it (events of the push dropped).
            ReplicatorDatabase.truncateQueue(DB);
            Replication first = replicate(DB, replicator);
            row(
                    table,
                    "replicator: the image into an empty replica " + first.describe(),
                    Timing.wall(first.seconds()),
                    floor);
            try (TestDatabase secondDb = TestDatabase.create();
                    ReplicatorUnderTest second = ReplicatorUnderTest.asShipped(secondDb, temp.resolve("replica-2"))) {
                Replicator r2 = second.build(primary.url(), WORKERS, SyncConfig.everything());
                Replication again = replicate(secondDb, r2);
                row(
                        table,
                        "replicator: the same into a second empty replica " + again.describe(),
                        Timing.wall(again.seconds()),
                        floor);
            }
            table.append(String.format(
                    Locale.ROOT,
                    "%nThe JDK client's read buffers: jdk.httpclient.bufsize=%s (the JDK's default 16384 when unset)%n",
                    System.getProperty("jdk.httpclient.bufsize", "unset")));
            table.append(warmUp);
            String out = table.toString();
            System.out.println(out);
            Files.writeString(Path.of("target", "big-layer-benchmark.md"), out);
        }
    }

    private interface Timed {
        void run() throws Exception;
    }

    /**
     * The shortest of {@link #RUNS} runs in seconds, and the least CPU time that this JVM and the
     * primary's process used in one of them: on a loaded machine the CPU time is the steadier figure.
     */
    private Timing best(Timed step) throws Exception {
        double best = Double.MAX_VALUE;
        double jvmCpu = Double.MAX_VALUE;
        double primaryCpu = Double.MAX_VALUE;
        for (int i = 0; i < RUNS; i++) {
            long cpu0 = JVM.getProcessCpuTime();
            long primary0 = primary.cpuTime().toNanos();
            long t0 = System.nanoTime();
            step.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            jvmCpu = Math.min(jvmCpu, (JVM.getProcessCpuTime() - cpu0) / 1e9);
            primaryCpu = Math.min(primaryCpu, (primary.cpuTime().toNanos() - primary0) / 1e9);
        }
        return new Timing(best, jvmCpu, primaryCpu);
    }

    /** Seconds of wall time, and CPU seconds of this JVM and of the primary's process. */
    private record Timing(double seconds, double jvmCpu, double primaryCpu) {
        static Timing wall(double seconds) {
            return new Timing(seconds, Double.NaN, Double.NaN);
        }
    }

    private static void row(StringBuilder table, String what, Timing t, Timing floor) {
        table.append(String.format(
                Locale.ROOT,
                "| %s | %.3f | %.0f | %.0f%% | %s | %s |%n",
                what,
                t.seconds(),
                LAYER_BYTES / 1e6 / t.seconds(),
                100 * floor.seconds() / t.seconds(),
                cpu(t.jvmCpu()),
                cpu(t.primaryCpu())));
    }

    private static String cpu(double seconds) {
        return Double.isNaN(seconds) ? "" : String.format(Locale.ROOT, "%.2f", seconds); // the OS counts in 10 ms ticks
    }

    /**
     * Reads the layer through the replicator's client until the JIT has compiled the client's
     * read path, untimed in the rows: in a fresh JVM the first reads of 256 MiB took 0.8–1.7 s
     * and up to 1.4 CPU seconds each (the client's code interpreted and being compiled), the
     * fourth or fifth 0.26–0.46 s, warm 0.16–0.20 s (docs/benchmarks.md). The floor row is then
     * the client's steady speed, which a replicator that has copied a few layers reads at.
     * Returns a line that gives each read's time.
     */
    private String warmUp(PrimaryContent content, Digest digest) throws Exception {
        StringBuilder line = new StringBuilder(
                "The replicator's client's first reads of the layer in this JVM (JIT warm-up, before the floor;"
                        + " s, and JVM CPU s):");
        for (int i = 0; i < WARM_UP_READS; i++) {
            long cpu0 = JVM.getProcessCpuTime();
            long t0 = System.nanoTime();
            drain(content, digest);
            line.append(String.format(
                    Locale.ROOT,
                    "%s %.3f (%.2f)",
                    i == 0 ? "" : ",",
                    (System.nanoTime() - t0) / 1e9,
                    (JVM.getProcessCpuTime() - cpu0) / 1e9));
        }
        return line.append(System.lineSeparator()).toString();
    }

    /** The commits of the put row above: the least, and each run's. */
    private void commitRow(StringBuilder table) {
        table.append(String.format(
                Locale.ROOT,
                "| of it, the commit after the last byte (the flush behind awaited, fsync, rename, fsync of the"
                        + " directory; each run: %s) | %.3f | | | | |%n",
                commits.stream().map(c -> String.format(Locale.ROOT, "%.3f", c)).collect(Collectors.joining(" / ")),
                commits.stream().mapToDouble(Double::doubleValue).min().orElseThrow()));
    }

    private static void drain(PrimaryContent content, Digest digest) throws IOException {
        try (BlobStream blob = content.openBlob(REPOSITORY, digest).orElseThrow()) {
            byte[] buffer = new byte[PIECE];
            long total = 0;
            InputStream in = blob.content();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
            }
            assertThat(total).isEqualTo(LAYER_BYTES);
        }
    }

    private static void curl(URI url) throws Exception {
        Process curl = new ProcessBuilder("curl", "-sf", "-o", "/dev/null", url.toString())
                .redirectErrorStream(true)
                .start();
        assertThat(curl.waitFor()).as("curl " + url + " (install curl)").isZero();
    }

    private static void hash(byte[] bytes) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (int off = 0; off < bytes.length; off += PIECE) {
            sha.update(bytes, off, Math.min(PIECE, bytes.length - off));
        }
        assertThat(sha.digest()).hasSize(32);
    }

    /** Writes through a fresh filesystem store's pending write in 1 MiB pieces, committed or not, then removes it. */
    private void writeOnly(byte[] bytes, Digest digest, boolean commit) throws IOException {
        Path dir = Files.createTempDirectory(temp, "store");
        try (BlobStore store = BlobStores.open(new StorageConfig.Filesystem(dir));
                ObjectStore.PendingWrite write = store.objects().beginWrite(DistributionLayout.blobData(digest))) {
            OutputStream out = write.stream();
            for (int off = 0; off < bytes.length; off += PIECE) {
                out.write(bytes, off, Math.min(PIECE, bytes.length - off));
            }
            if (commit) {
                write.commit();
            }
        } finally {
            deleteTree(dir);
        }
    }

    /** {@code n} files of 71 bytes, each committed (fsync, rename, fsync of its directory) in a fresh store. */
    private void smallCommits(int n) throws IOException {
        Path dir = Files.createTempDirectory(temp, "store");
        try (BlobStore store = BlobStores.open(new StorageConfig.Filesystem(dir))) {
            for (int i = 0; i < n; i++) {
                byte[] link = ("sha256:" + "%064x".formatted(i)).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                try (ObjectStore.PendingWrite write =
                        store.objects().beginWrite(DistributionLayout.blobData(Digest.sha256(link)))) {
                    write.stream().write(link);
                    write.commit();
                }
            }
        } finally {
            deleteTree(dir);
        }
    }

    /** Into a fresh filesystem store whose commits are timed ({@link #commits}). */
    private void put(Digest digest, InputStream content) throws IOException {
        Path dir = Files.createTempDirectory(temp, "store");
        try (BlobStore store = new DefaultBlobStore(new CommitTimed(FilesystemObjectStore.open(dir), commits))) {
            assertThat(store.put(digest, LAYER_BYTES, content).size()).isEqualTo(LAYER_BYTES);
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * What BlobStore.put did before it overlapped its steps, into a fresh filesystem store: 64 KiB
     * read from the source, hashed and written in turn on the caller's thread, then the digest
     * checked and the write committed (the file is flushed behind the writes as now).
     */
    private void putInSeries(Digest digest, InputStream source) throws Exception {
        Path dir = Files.createTempDirectory(temp, "store");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[64 * 1024];
        try (BlobStore store = BlobStores.open(new StorageConfig.Filesystem(dir));
                ObjectStore.PendingWrite write = store.objects().beginWrite(DistributionLayout.blobData(digest))) {
            OutputStream out = write.stream();
            for (int n; (n = source.read(buffer)) >= 0; ) {
                sha.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
            assertThat(Digest.of(Digest.Algorithm.SHA256, sha.digest())).isEqualTo(digest);
            write.commit();
        } finally {
            deleteTree(dir);
        }
    }

    private interface Sink {
        void take(InputStream in) throws Exception;
    }

    private static void fromPrimary(PrimaryContent content, Digest digest, Sink sink) throws Exception {
        try (BlobStream blob = content.openBlob(REPOSITORY, digest).orElseThrow()) {
            sink.take(blob.content());
        }
    }

    /** From an empty replica to the image replicated: reconcile crawl and workers, until the queue drains. */
    private static Replication replicate(TestDatabase db, Replicator replicator) throws Exception {
        long t0 = System.nanoTime();
        ReconcileSummary summary = ReplicationBenchmark.startAndDrain(replicator);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(db.queryLong("SELECT count(*) FROM replication_work WHERE state <> 'done'"))
                .isZero();
        double item;
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT EXTRACT(EPOCH FROM (done_at - enqueued_at)) FROM replication_work"
                        + " WHERE kind = 'tag'")) {
            assertThat(rs.next()).isTrue();
            item = rs.getDouble(1);
        }
        return new Replication(seconds, summary.took().toMillis() / 1e3, item);
    }

    /** The whole replication's seconds, the crawl's, and the tag item's from queued to done. */
    private record Replication(double seconds, double crawlSeconds, double itemSeconds) {
        String describe() {
            return String.format(
                    Locale.ROOT,
                    "(crawl %.3f s; the tag's item %.3f s from queued to done)",
                    crawlSeconds,
                    itemSeconds);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** A store that passes everything to {@code objects} and adds each commit's seconds to {@code commits}. */
    private record CommitTimed(ObjectStore objects, List<Double> commits) implements ObjectStore {
        @Override
        public Optional<Long> size(ObjectKey key) {
            return objects.size(key);
        }

        @Override
        public InputStream read(ObjectKey key, long offset, long length) {
            return objects.read(key, offset, length);
        }

        @Override
        public void writeSmall(ObjectKey key, byte[] content) {
            objects.writeSmall(key, content);
        }

        @Override
        public PendingWrite beginWrite(ObjectKey finalKey) {
            PendingWrite write = objects.beginWrite(finalKey);
            return new PendingWrite() {
                @Override
                public OutputStream stream() {
                    return write.stream();
                }

                @Override
                public void commit() {
                    long t0 = System.nanoTime();
                    write.commit();
                    commits.add((System.nanoTime() - t0) / 1e9);
                }

                @Override
                public void abort() {
                    write.abort();
                }

                @Override
                public void close() {
                    write.close();
                }
            };
        }

        @Override
        public void delete(ObjectKey key) {
            objects.delete(key);
        }

        @Override
        public List<ObjectKey> list(ObjectKey prefix) {
            return objects.list(prefix);
        }

        @Override
        public int removeAbandonedWrites(Instant startedBefore) {
            return objects.removeAbandonedWrites(startedBefore);
        }

        @Override
        public Optional<URI> presignedGet(ObjectKey key, Duration ttl) {
            return objects.presignedGet(key, ttl);
        }

        @Override
        public void close() {
            objects.close();
        }
    }
}
