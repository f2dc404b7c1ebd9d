package io.georeg.replica.cache;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Admission to a full fact cache: a key is let in only when it missed once before within the
 * current window, so that keys read once in a long while (a uniform spread over more keys than
 * the cache holds) do not each pay an insert and evict a fact that was earning its place. Owned by
 * {@link CachingReplicaReader}, asked only once its facts cache is full.
 *
 * <p>A Bloom filter of two bits per key (TinyLFU's "doorkeeper", Einziger, Friedman and Manes,
 * ACM TOS 2017), about eight bits per key of the window, cleared after {@code window} first
 * sightings: a key must come back within roughly {@code window} other misses. False positives and
 * races (two threads setting the same word) only admit or refuse one key one time too many; they
 * never decide what is served, {@link Freshness} does.
 */
final class Doorkeeper {
    private final AtomicLongArray words;
    private final int bitMask;
    private final int window;
    private final AtomicInteger sightings = new AtomicInteger();

    /** @param window first sightings remembered before the filter is cleared (at least 1) */
    Doorkeeper(int window) {
        this.window = Math.max(1, window);
        int bits = Integer.highestOneBit(Math.min(1 << 28, Math.max(1024, this.window * 8 - 1)) << 1);
        this.words = new AtomicLongArray(bits >>> 6);
        this.bitMask = bits - 1;
    }

    /** True when {@code hash}'s key was seen since the last clearing; otherwise remembers it. */
    boolean seenBefore(int hash) {
        int first = (int) ((hash * 0x9E3779B97F4A7C15L) >>> 35) & bitMask;
        int second = (int) ((hash * 0xC2B2AE3D27D4EB4FL) >>> 35) & bitMask;
        boolean seen = isSet(first) & isSet(second);
        if (!seen) {
            set(first);
            set(second);
            if (sightings.incrementAndGet() >= window) {
                sightings.set(0);
                for (int i = 0; i < words.length(); i++) {
                    words.setPlain(i, 0);
                }
            }
        }
        return seen;
    }

    private boolean isSet(int bit) {
        return (words.getPlain(bit >>> 6) & (1L << bit)) != 0;
    }

    private void set(int bit) {
        long mask = 1L << bit;
        int word = bit >>> 6;
        long old = words.getPlain(word);
        if ((old & mask) == 0) {
            words.accumulateAndGet(word, mask, (a, b) -> a | b);
        }
    }
}
