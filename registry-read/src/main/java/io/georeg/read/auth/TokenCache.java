package io.georeg.read.auth;

import io.georeg.token.VerifiedToken;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verified tokens by their exact string, so that a client pulling a hundred layers with one
 * token pays for one signature check, not a hundred. Bounded: when full, it is emptied (tokens
 * are short-lived and re-verifying costs milliseconds, so a simple bound beats an LRU here). An
 * entry is used only until the token's own validity ends and at most {@code maxAge} after it was
 * verified. Only successes are cached.
 */
public final class TokenCache {
    private final int maxEntries;
    private final Duration maxAge;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    private record Entry(VerifiedToken token, Instant usableUntil) {}

    public TokenCache(int maxEntries, Duration maxAge) {
        this.maxEntries = maxEntries;
        this.maxAge = maxAge;
    }

    /** The cached token, or null when absent or no longer usable at {@code now}. */
    public VerifiedToken get(String token, Instant now) {
        Entry e = entries.get(token);
        if (e == null) {
            return null;
        }
        if (!now.isBefore(e.usableUntil)) {
            entries.remove(token, e);
            return null;
        }
        return e.token;
    }

    public void put(String token, VerifiedToken verified, Instant now) {
        if (maxEntries <= 0) {
            return;
        }
        if (entries.size() >= maxEntries) {
            entries.clear();
        }
        Instant byAge = now.plus(maxAge);
        entries.put(token, new Entry(verified, verified.validUntil().isBefore(byAge) ? verified.validUntil() : byAge));
    }

    public int size() {
        return entries.size();
    }
}
