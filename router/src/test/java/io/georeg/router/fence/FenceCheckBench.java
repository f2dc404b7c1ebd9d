package io.georeg.router.fence;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.router.proxy.Upstream;
import io.georeg.testkit.db.TestDatabase;
import java.net.URI;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpFields;

/**
 * What the fence check costs a replica read that no fence pins (the common case): {@link
 * ReadYourWrites#pinned} for a manifest by digest with a live {@link FenceView} and no fences,
 * two ways — with a trusted {@link FenceLease} (the path a read takes since the leases: an
 * in-memory lookup, no query), and without one (the generation query, {@link LatestGeneration},
 * shared by the reads waiting together, then the lookup) — beside their anchor measured in the
 * same run on the same connection pool: one {@code SELECT 1} round trip per read, which is what
 * the check would cost if every read ran its own query. Run by {@code scripts/bench-fences};
 * prints a Markdown table. Not a test: it asserts nothing and the figures depend on the machine
 * and its load.
 */
public final class FenceCheckBench {
    private static final int[] CONCURRENCY = {1, 8, 64};
    private static final Duration ROUND = Duration.ofSeconds(5);

    private FenceCheckBench() {}

    public static void main(String[] args) throws Exception {
        try (TestDatabase db = TestDatabase.create();
                Database database = new Database(DatabaseConfig.of(db.jdbcUrl(), db.user(), db.password())
                                .withMigrateOnStart(true))
                        .start()) {
            FenceStore store = new FenceStore(database.transactions(), Duration.ofMinutes(10), Duration.ZERO);
            HttpClient http = new HttpClient();
            http.start();
            try (FenceView view = new FenceView(
                            store, DatabaseConfig.of(db.jdbcUrl(), db.user(), db.password()), Duration.ofMillis(100))
                    .start()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!view.live() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                // Never asked: no fence exists, so the check never reaches the replica.
                Upstream replica = new Upstream("replica", "unused", URI.create("http://127.0.0.1:9"));
                DatabaseConfig direct = DatabaseConfig.of(db.jdbcUrl(), db.user(), db.password());
                ReadYourWrites checks = new ReadYourWrites(store, view, direct, http, replica, Duration.ofSeconds(1));
                // A lease far longer than the run: renewed every quarter of it, so never during a cell.
                Duration leaseDuration = Duration.ofMinutes(10);
                FenceLease lease = new FenceLease(view, direct, leaseDuration).start();
                ReadYourWrites leased = new ReadYourWrites(
                        store, view, lease, leaseDuration, direct, http, replica, Duration.ofSeconds(1));
                deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!lease.trusted() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                if (!lease.trusted()) {
                    throw new IllegalStateException("the fence lease was not trusted within 30 s");
                }
                FencedRead read = FencedRead.manifest("bench/app", "sha256:" + "a".repeat(64));
                Callable<Object> anchor = () -> database.transactions().read(c -> {
                    try (PreparedStatement s = c.prepareStatement("SELECT 1");
                            ResultSet rs = s.executeQuery()) {
                        rs.next();
                        return rs.getInt(1);
                    }
                });
                Callable<Object> check = () -> checks.pinned(read, HttpFields.EMPTY);
                Callable<Object> inMemory = () -> leased.pinned(read, HttpFields.EMPTY);

                System.out.println("| readers | `SELECT 1` per read: reads/s | mean µs | generation query: reads/s"
                        + " | mean µs | trusted lease: reads/s | mean µs |");
                System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
                for (int readers : CONCURRENCY) {
                    Rate a = warmedRun(anchor, readers);
                    Rate f = warmedRun(check, readers);
                    Rate m = warmedRun(inMemory, readers);
                    System.out.printf(
                            Locale.ROOT,
                            "| %d | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %,.1f |%n",
                            readers,
                            a.perSecond(),
                            a.meanMicros(readers),
                            f.perSecond(),
                            f.meanMicros(readers),
                            m.perSecond(),
                            m.meanMicros(readers));
                }
                lease.close();
            } finally {
                http.stop();
            }
        }
    }

    /** A warm-up round, then the measured one. */
    private static Rate warmedRun(Callable<Object> work, int readers) throws Exception {
        run(work, readers);
        return run(work, readers);
    }

    /** {@code readers} virtual threads calling {@code work} in a loop for {@link #ROUND}. */
    private static Rate run(Callable<Object> work, int readers) throws Exception {
        long end = System.nanoTime() + ROUND.toNanos();
        List<Future<Long>> counts = new ArrayList<>();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < readers; i++) {
                counts.add(pool.submit(() -> {
                    long n = 0;
                    while (System.nanoTime() < end) {
                        work.call();
                        n++;
                    }
                    return n;
                }));
            }
            long total = 0;
            for (Future<Long> c : counts) {
                total += c.get();
            }
            return new Rate(total, System.nanoTime() - start);
        }
    }

    private record Rate(long calls, long nanos) {
        double perSecond() {
            return calls * 1e9 / nanos;
        }

        /** Mean time one reader waited per call. */
        double meanMicros(int readers) {
            return nanos / 1e3 * readers / calls;
        }
    }
}
