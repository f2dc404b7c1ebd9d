package io.georeg.router.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Limits guessing of the admin token: an address that sent {@link #MAX_FAILURES} wrong tokens
 * within {@link #WINDOW} is refused (429, without the token even being compared) until the oldest
 * of those failures is a window old. A right token does not reset the count, so guesses cannot be
 * interleaved with a known-good request. At most {@link #MAX_ADDRESSES} addresses are tracked; when
 * more appear, the address heard from least recently is dropped (memory stays bounded under a
 * spray of addresses, and the addresses guessing now stay blocked).
 * Thread-safe.
 */
public final class FailedAttempts {
    public static final int MAX_FAILURES = 5;
    public static final Duration WINDOW = Duration.ofMinutes(1);
    static final int MAX_ADDRESSES = 10_000;

    private final Clock clock;
    /** In access order, so the eldest entry is the address heard from least recently. */
    private final Map<String, Deque<Instant>> failures = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<Instant>> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    public FailedAttempts(Clock clock) {
        this.clock = clock;
    }

    /** How long {@code address} must wait before it may try again; empty when it may try now. */
    public synchronized Optional<Duration> blocked(String address) {
        Deque<Instant> recent = prune(address);
        if (recent == null || recent.size() < MAX_FAILURES) {
            return Optional.empty();
        }
        Duration wait = Duration.between(clock.instant(), recent.peekFirst().plus(WINDOW));
        return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
    }

    /** Records a wrong token from {@code address}. */
    public synchronized void failed(String address) {
        failures.computeIfAbsent(address, a -> new ArrayDeque<>()).addLast(clock.instant());
        prune(address);
    }

    private Deque<Instant> prune(String address) {
        Deque<Instant> recent = failures.get(address);
        if (recent == null) {
            return null;
        }
        Instant horizon = clock.instant().minus(WINDOW);
        while (!recent.isEmpty() && !recent.peekFirst().isAfter(horizon)) {
            recent.pollFirst();
        }
        while (recent.size() > MAX_FAILURES) {
            recent.pollFirst();
        }
        if (recent.isEmpty()) {
            failures.remove(address);
            return null;
        }
        return recent;
    }
}
