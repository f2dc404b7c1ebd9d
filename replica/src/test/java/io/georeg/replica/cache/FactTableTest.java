package io.georeg.replica.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FactTableTest {
    private static final RepositoryName REPO = RepositoryName.of("cache/table");

    private final Freshness freshness = listening();

    @Test
    void aStoredFactIsFoundWithItsStampAndAnAbsentOneIsNot() {
        FactTable table = new FactTable(100);
        Freshness.Stamp stamp = freshness.stamp(REPO);
        table.put(tag("v1"), 42L, stamp);

        assertThat(table.get(tag("v1"))).isEqualTo(new FactTable.Held(42L, stamp));
        assertThat(table.get(tag("v2"))).isNull();
        assertThat(table.get(FactKey.of('b', REPO, "v1")))
                .as("another kind, the same text")
                .isNull();
        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void aKeyIsItsKindRepositoryAndReferenceOnly() {
        assertThat(FactKey.of('t', REPO, "v1")).isEqualTo(FactKey.of('t', RepositoryName.of("cache/table"), "v1"));
        assertThat(FactKey.of('t', RepositoryName.of("a/b"), "c"))
                .isNotEqualTo(FactKey.of('t', RepositoryName.of("a"), "b c"));
    }

    @Test
    void aFactStoredAgainReplacesTheOldOneInPlaceEvenWhenFull() {
        FactTable table = new FactTable(2);
        Freshness.Stamp before = freshness.stamp(REPO);
        table.put(tag("a"), 1L, before);
        table.put(tag("b"), 2L, before);
        assertThat(table.hasRoomFor(tag("c"))).isFalse();

        freshness.repositoryChanged(REPO); // the facts above are stale now
        Freshness.Stamp after = freshness.stamp(REPO);
        assertThat(freshness.valid(table.get(tag("a")).stamp(), false)).isFalse();
        table.put(tag("a"), 3L, after);

        assertThat(table.get(tag("a"))).isEqualTo(new FactTable.Held(3L, after));
        assertThat(table.get(tag("b"))).as("nothing evicted").isEqualTo(new FactTable.Held(2L, before));
        assertThat(freshness.valid(table.get(tag("a")).stamp(), false)).isTrue();
        assertThat(table.size()).isEqualTo(2);
    }

    @Test
    void aFullTableHoldsItsBoundAndEvictsAFactNotReadSinceTheHandPassed() {
        FactTable table = new FactTable(4);
        Freshness.Stamp stamp = freshness.stamp(REPO);
        for (int i = 0; i < 5; i++) {
            table.put(tag("t" + i), (long) i, stamp);
        }
        // The fifth evicted one of the first four; the hand cleared every mark on its way.
        assertThat(table.size()).isEqualTo(4);
        boolean had0 = table.get(tag("t0")) != null; // read: marked again if held
        boolean had1 = table.get(tag("t1")) != null;

        table.put(tag("t5"), 5L, stamp);

        assertThat(table.size()).isEqualTo(4);
        assertThat(table.get(tag("t0")) != null).as("t0, read since").isEqualTo(had0);
        assertThat(table.get(tag("t1")) != null).as("t1, read since").isEqualTo(had1);
        assertThat(table.get(tag("t4"))).as("marked when stored").isNotNull();
        assertThat(table.get(tag("t5"))).isNotNull();
        assertThat(table.get(tag("t2")) == null || table.get(tag("t3")) == null)
                .as("one of the two not read gave way")
                .isTrue();
    }

    @Test
    void manySegmentsTogetherHoldExactlyMaxEntries() {
        int maxEntries = 100_000;
        FactTable table = new FactTable(maxEntries);
        Freshness.Stamp stamp = freshness.stamp(REPO);
        for (int i = 0; i < 3 * maxEntries; i++) {
            table.put(tag("t" + i), (long) i, stamp);
        }
        assertThat(table.size()).isEqualTo(maxEntries);
        assertThat(table.hasRoomFor(tag("new"))).isFalse();
        table.clear();
        assertThat(table.size()).isZero();
        assertThat(table.get(tag("t" + (3 * maxEntries - 1)))).isNull();
    }

    @Test
    void aTableOfNoEntriesHoldsNothing() {
        FactTable table = new FactTable(0);
        table.put(tag("a"), 1L, freshness.stamp(REPO));
        assertThat(table.get(tag("a"))).isNull();
        assertThat(table.hasRoomFor(tag("a"))).isFalse();
    }

    @Test
    void aRandomRunOfPutsAndEvictionsAgreesWithAMap() {
        FactTable table = new FactTable(300); // one segment: evictions shift probes back
        Map<Integer, Long> latest = new HashMap<>();
        Random random = new Random(14);
        Freshness.Stamp stamp = freshness.stamp(REPO);
        for (int op = 0; op < 200_000; op++) {
            int k = random.nextInt(1000);
            long v = random.nextLong();
            table.put(tag("t" + k), v, stamp);
            latest.put(k, v);
        }
        int found = 0;
        for (Map.Entry<Integer, Long> e : latest.entrySet()) {
            FactTable.Held held = table.get(tag("t" + e.getKey()));
            if (held != null) {
                assertThat(held.value()).isEqualTo(e.getValue());
                found++;
            }
        }
        assertThat(found).isEqualTo(table.size()).isEqualTo(300);
    }

    @Test
    void concurrentReadersAndWritersOnlySeeValuesStoredForTheirKey() throws Exception {
        FactTable table = new FactTable(2_000); // small, so that writers evict and shift all along
        Freshness.Stamp stamp = freshness.stamp(REPO);
        int keys = 10_000;
        FactKey[] fact = new FactKey[keys];
        for (int k = 0; k < keys; k++) {
            fact[k] = tag("t" + k);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        AtomicLong hits = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                boolean writer = t < 2;
                long seed = t;
                runs.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    for (int op = 0; op < 2_000_000 && System.nanoTime() < deadline; op++) {
                        int k = random.nextInt(keys);
                        if (writer) {
                            // The value names its key: a reader that finds another key's value saw a torn slot.
                            table.put(fact[k], k * 1_000_000L + random.nextInt(1_000_000), stamp);
                        } else {
                            FactTable.Held held = table.get(fact[k]);
                            if (held != null) {
                                assertThat((Long) held.value() / 1_000_000L).isEqualTo(k);
                                assertThat(held.stamp()).isSameAs(stamp);
                                hits.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            for (Future<?> run : runs) {
                run.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(table.size()).isEqualTo(2_000);
        assertThat(hits.get()).isPositive();
    }

    /**
     * Heap per fact, printed (not asserted): a table of the default bound filled to nine tenths with tag facts
     * over repositories of 9 tags, each repository's manifest a {@code Digest} of its own shared by
     * its tags and its manifest link, and one blob fact per repository (a size above the boxed
     * values the JDK caches); stamps as {@link Freshness} hands them out, one per repository stripe.
     */
    @Test
    void bytesPerFactAtTheDefaultBound() {
        int maxEntries = ReplicaCacheOptions.DEFAULT_MAX_ENTRIES;
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long before = usedAfterGc(memory);
        FactTable table = new FactTable(maxEntries);
        // Nine tenths: the segments fill unevenly, and one that is full evicts while others have room.
        int repositories = maxEntries / 10 * 9 / 11;
        for (int r = 0; r < repositories; r++) {
            RepositoryName repo = RepositoryName.of("scale/r" + r);
            Freshness.Stamp stamp = freshness.stamp(repo);
            Digest manifest = Digest.sha256(("manifest " + r).getBytes(StandardCharsets.UTF_8));
            for (int t = 0; t < 9; t++) {
                table.put(FactKey.of('t', repo, "t" + t), manifest, stamp);
            }
            table.put(FactKey.of('m', repo, manifest.toString()), manifest, stamp);
            table.put(FactKey.of('b', repo, "sha256:layer"), 1_000_000L + r, stamp);
        }
        long used = usedAfterGc(memory) - before;
        assertThat(table.size()).isEqualTo(repositories * 11);
        System.out.printf(
                "FactTable: %,d facts (%,d tags, %,d manifest links, %,d blob links) in %,d bytes of heap: %.1f bytes a fact,"
                        + " digests and stamps included%n",
                table.size(), repositories * 9, repositories, repositories, used, (double) used / table.size());
        assertThat(table.get(FactKey.of('t', RepositoryName.of("scale/r7"), "t3")))
                .isNotNull();
    }

    private static long usedAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static FactKey tag(String tag) {
        return FactKey.of('t', REPO, tag);
    }

    private static Freshness listening() {
        Freshness f = new Freshness(TimeUnit.MINUTES.toNanos(5));
        f.listenerConnected();
        f.caughtUp(System.nanoTime());
        return f;
    }
}
