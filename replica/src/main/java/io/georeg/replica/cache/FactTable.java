package io.georeg.replica.cache;

import java.util.concurrent.locks.StampedLock;

/**
 * The mutable facts of {@link CachingReplicaReader} in primitive arrays: about 25 bytes a slot
 * (a 16-byte {@link FactKey}, a reference to the value, one to its {@link Freshness.Stamp}, a
 * reference bit) at most three quarters full, so 35 bytes a fact once grown to its bound, where a
 * string key, a fact record and a map node took 190–240. Values and stamps are objects shared
 * between facts (a manifest's {@code Digest} with the cached manifest, a stamp by the facts of one
 * stripe generation); a blob's size is a {@code Long}.
 *
 * <p>Segments of open addressing with linear probing, each behind a {@link StampedLock}: a read
 * is optimistic (no write to shared memory but a reference bit not yet set) and retries under the
 * read lock only when a writer of its segment ran meanwhile. Each segment holds at most its share
 * of {@code maxEntries}; a new key in a full segment evicts by CLOCK (a fact read since the hand
 * last passed gets a second chance). Whether a new key may enter a full segment is the caller's
 * decision ({@link #hasRoomFor}); what is served, {@link Freshness}'s: the table only stores.
 */
final class FactTable {
    private static final int MAX_SEGMENTS = 64;
    private static final int INITIAL_SLOTS = 16;

    private final Segment[] segments;
    private final int segmentShift;

    /** @param maxEntries facts held at most (0: none) */
    FactTable(int maxEntries) {
        int wanted = Integer.highestOneBit(Math.max(1, Math.min(MAX_SEGMENTS, maxEntries / 4096)));
        this.segments = new Segment[wanted];
        for (int i = 0; i < wanted; i++) {
            segments[i] = new Segment(maxEntries / wanted + (i < maxEntries % wanted ? 1 : 0));
        }
        this.segmentShift = 64 - Integer.numberOfTrailingZeros(wanted);
    }

    /** A fact as stored: its value and what it is valid against. */
    record Held(Object value, Freshness.Stamp stamp) {}

    /** The fact held for {@code key}, valid or not; null when none is. */
    Held get(FactKey key) {
        return segment(key).get(key.high(), key.low());
    }

    /** Stores a fact, replacing the key's or, in a full segment, evicting another. */
    void put(FactKey key, Object value, Freshness.Stamp stamp) {
        segment(key).put(key.high(), key.low(), value, stamp);
    }

    /** False when a new {@code key} would evict a fact (its segment is full). */
    boolean hasRoomFor(FactKey key) {
        Segment s = segment(key);
        return s.count < s.capacity;
    }

    int size() {
        int n = 0;
        for (Segment s : segments) {
            n += s.count;
        }
        return n;
    }

    void clear() {
        for (Segment s : segments) {
            s.clear();
        }
    }

    private Segment segment(FactKey key) {
        return segments.length == 1 ? segments[0] : segments[(int) (key.high() >>> segmentShift)];
    }

    /** One segment's arrays, replaced whole when the segment grows, so that a reader sees one set. */
    private static final class Slots {
        final long[] keys; // high, low per slot
        final Object[] values; // null: the slot is free
        final Freshness.Stamp[] stamps;
        final byte[] referenced;
        final int mask;

        Slots(int slots) {
            keys = new long[2 * slots];
            values = new Object[slots];
            stamps = new Freshness.Stamp[slots];
            referenced = new byte[slots];
            mask = slots - 1;
        }

        int home(long low) {
            return (int) low & mask;
        }

        /** The key's slot, or the free slot ending its probe; -1 when a racing writer left neither. */
        int find(long high, long low) {
            int i = home(low);
            for (int probes = 0; probes <= mask; probes++) {
                if (values[i] == null || (keys[2 * i] == high && keys[2 * i + 1] == low)) {
                    return i;
                }
                i = (i + 1) & mask;
            }
            return -1;
        }
    }

    private static final class Segment {
        final int capacity;
        final int maxSlots;
        final StampedLock lock = new StampedLock();
        Slots slots;
        int count;
        int hand;

        Segment(int capacity) {
            this.capacity = capacity;
            // At most three quarters full, so that a probe for an absent key stays short, and
            // never full: a probe ends at a free slot.
            long needed = Math.max(capacity + 1L, (capacity * 4L + 2) / 3);
            this.maxSlots = (int) Math.max(1, Math.min(1 << 30, Long.highestOneBit(needed - 1) << 1));
            this.slots = new Slots(Math.min(INITIAL_SLOTS, maxSlots));
        }

        Held get(long high, long low) {
            long optimistic = lock.tryOptimisticRead();
            if (optimistic != 0) {
                Slots s = slots;
                int i = s.find(high, low);
                Object value = i < 0 ? null : s.values[i];
                Freshness.Stamp stamp = i < 0 ? null : s.stamps[i];
                if (lock.validate(optimistic) && i >= 0) {
                    return held(s, i, value, stamp);
                }
            }
            long read = lock.readLock();
            try {
                Slots s = slots;
                int i = s.find(high, low);
                return held(s, i, s.values[i], s.stamps[i]);
            } finally {
                lock.unlockRead(read);
            }
        }

        private static Held held(Slots s, int i, Object value, Freshness.Stamp stamp) {
            if (value == null) {
                return null;
            }
            if (s.referenced[i] == 0) {
                s.referenced[i] = 1; // racy on purpose: a lost mark only costs the fact its second chance
            }
            return new Held(value, stamp);
        }

        void put(long high, long low, Object value, Freshness.Stamp stamp) {
            if (capacity == 0) {
                return;
            }
            long write = lock.writeLock();
            try {
                int i = slots.find(high, low);
                if (slots.values[i] == null) {
                    if (count >= capacity) {
                        evictOne();
                    } else if ((count + 1) * 4L > (slots.mask + 1) * 3L && slots.mask + 1 < maxSlots) {
                        grow();
                    }
                    i = slots.find(high, low);
                    slots.keys[2 * i] = high;
                    slots.keys[2 * i + 1] = low;
                    count++;
                }
                slots.stamps[i] = stamp;
                slots.values[i] = value;
                slots.referenced[i] = 1;
            } finally {
                lock.unlockWrite(write);
            }
        }

        /** CLOCK: the first fact from the hand on not read since the hand last passed it. */
        private void evictOne() {
            Slots s = slots;
            while (true) {
                int i = hand;
                hand = (hand + 1) & s.mask;
                if (s.values[i] != null) {
                    if (s.referenced[i] == 0) {
                        remove(s, i);
                        return;
                    }
                    s.referenced[i] = 0;
                }
            }
        }

        /** Frees slot {@code gap} and shifts back the facts whose probe ran past it (no tombstones). */
        private void remove(Slots s, int gap) {
            count--;
            int j = gap;
            while (true) {
                j = (j + 1) & s.mask;
                if (s.values[j] == null) {
                    break;
                }
                int home = s.home(s.keys[2 * j + 1]);
                if (((j - home) & s.mask) >= ((j - gap) & s.mask)) {
                    move(s, j, gap);
                    gap = j;
                }
            }
            s.values[gap] = null;
            s.stamps[gap] = null;
            s.referenced[gap] = 0;
        }

        private static void move(Slots s, int from, int to) {
            s.keys[2 * to] = s.keys[2 * from];
            s.keys[2 * to + 1] = s.keys[2 * from + 1];
            s.values[to] = s.values[from];
            s.stamps[to] = s.stamps[from];
            s.referenced[to] = s.referenced[from];
        }

        private void grow() {
            Slots old = slots;
            Slots grown = new Slots(2 * (old.mask + 1));
            for (int i = 0; i <= old.mask; i++) {
                if (old.values[i] != null) {
                    int j = grown.find(old.keys[2 * i], old.keys[2 * i + 1]);
                    grown.keys[2 * j] = old.keys[2 * i];
                    grown.keys[2 * j + 1] = old.keys[2 * i + 1];
                    grown.values[j] = old.values[i];
                    grown.stamps[j] = old.stamps[i];
                    grown.referenced[j] = old.referenced[i];
                }
            }
            slots = grown;
            hand = 0;
        }

        void clear() {
            long write = lock.writeLock();
            try {
                slots = new Slots(Math.min(INITIAL_SLOTS, maxSlots));
                count = 0;
                hand = 0;
            } finally {
                lock.unlockWrite(write);
            }
        }
    }
}
