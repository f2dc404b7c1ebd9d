package io.georeg.router.outage;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Remembers, in this process only, which stored credential a password last verified against and
 * which grants it last learned, so that a client's token requests cost one Argon2id hash and one
 * grants write per few minutes instead of one each. Entries are keyed by HMAC-SHA256 of the user
 * name and password (or of a refresh token, whose grants are remembered the same way) under a
 * random key made when the router starts and never written anywhere: the memory holds no password
 * nor token, nor anything that can be checked against one without that key.
 * A remembered match counts only while the stored row still has the same hash (a revoked or
 * replaced credential is verified afresh). At most {@value #MAX_ENTRIES} entries, each for
 * {@link #TTL}. Used by {@link OutageGrants}.
 */
final class VerifiedCredentials {
    static final int MAX_ENTRIES = 10_000;
    static final Duration TTL = Duration.ofMinutes(10);
    /** Learning the same grants again sooner than this only moves their time by less than it. */
    static final Duration RELEARN_AFTER = Duration.ofMinutes(1);

    private record Entry(long credentialId, String hash, Instant verifiedAt, Set<String> learned, Instant learnedAt) {}

    private final SecretKeySpec key;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    VerifiedCredentials() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    /** The stored credential these credentials verified against, if it is still stored with the same hash. */
    Optional<Long> verified(Credentials credentials, Map<Long, String> storedHashes, Instant now) {
        Entry e = entries.get(fingerprint(credentials));
        if (e == null
                || now.isAfter(e.verifiedAt().plus(TTL))
                || !e.hash().equals(storedHashes.get(e.credentialId()))) {
            return Optional.empty();
        }
        return Optional.of(e.credentialId());
    }

    /** Whether these credentials learned all of {@code repositories} less than {@link #RELEARN_AFTER} ago. */
    boolean learnedRecently(Authentication who, Set<String> repositories, Instant now) {
        Entry e = entries.get(fingerprint(who));
        return e != null
                && e.learned().containsAll(repositories)
                && now.isBefore(e.learnedAt().plus(RELEARN_AFTER));
    }

    void remember(Credentials credentials, long credentialId, String hash, Instant now) {
        String fingerprint = fingerprint(credentials);
        Entry old = entries.get(fingerprint);
        boolean same = old != null && old.credentialId() == credentialId;
        put(
                fingerprint,
                new Entry(
                        credentialId,
                        hash,
                        now,
                        same ? old.learned() : Set.of(),
                        same ? old.learnedAt() : Instant.EPOCH));
    }

    void learned(Authentication who, long credentialId, String hash, Set<String> repositories, Instant now) {
        put(fingerprint(who), new Entry(credentialId, hash, now, Set.copyOf(repositories), now));
    }

    void forget(Authentication who) {
        entries.remove(fingerprint(who));
    }

    private void put(String fingerprint, Entry entry) {
        if (entries.size() >= MAX_ENTRIES && !entries.containsKey(fingerprint)) {
            // Bounded the simple way: a full cache starts over (every entry can be recomputed).
            entries.clear();
        }
        entries.put(fingerprint, entry);
    }

    private String fingerprint(Authentication who) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            switch (who) {
                case Credentials credentials -> {
                    mac.update((byte) 'p');
                    mac.update(credentials.username().getBytes(StandardCharsets.UTF_8));
                    mac.update((byte) 0);
                    if (credentials.password() != null) {
                        mac.update(credentials.password().getBytes(StandardCharsets.UTF_8));
                    }
                }
                case RefreshToken token -> {
                    mac.update((byte) 'r');
                    mac.update(token.token().getBytes(StandardCharsets.UTF_8));
                }
            }
            return HexFormat.of().formatHex(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java runtime", e);
        }
    }
}
