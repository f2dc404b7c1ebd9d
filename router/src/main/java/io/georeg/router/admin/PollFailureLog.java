package io.georeg.router.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says in the log that {@link SiteControl}'s poll cannot do one of its calls of the admin state
 * store, without a stack trace per poll: the poll runs every {@code router.admin.pollInterval}
 * (1 s by default), so a database down for an hour used to write 3,600 stack traces. The first
 * failure of a run is logged with its cause's message (its stack trace at DEBUG), then at most one
 * summary line per {@link #EVERY} while polls go on failing, and one line when the call works
 * again. One log per call that can fail on every poll: the read ({@link #ofReads}, SiteControl)
 * and the storing of switches the store did not take ({@link #ofStores}, {@link UnstoredSwitches}).
 * Thread-safe.
 */
final class PollFailureLog {
    static final Duration EVERY = Duration.ofMinutes(1);

    private final Clock clock;
    private final Logger log;
    /** What the poll cannot do, after "cannot": {@code read the router admin state}. */
    private final String what;
    /** When the polls began to fail; null while they succeed. */
    private Instant failingSince;

    private Instant loggedAt;
    private long attempts;

    private PollFailureLog(Clock clock, Class<?> caller, String what) {
        this.clock = clock;
        this.log = LoggerFactory.getLogger(caller);
        this.what = what;
    }

    /** The poll's reads of the store, logged as SiteControl's. */
    static PollFailureLog ofReads(Clock clock) {
        return new PollFailureLog(clock, SiteControl.class, "read the router admin state");
    }

    /** The poll's storing of the switches applied while the store did not take them, logged as UnstoredSwitches'. */
    static PollFailureLog ofStores(Clock clock) {
        return new PollFailureLog(
                clock, UnstoredSwitches.class, "store the switches applied while the admin state store did not answer");
    }

    /** A poll failed with {@code e}; {@code keeping} says what this router goes on with meanwhile. */
    synchronized void failed(RuntimeException e, String keeping) {
        Instant now = clock.instant();
        if (failingSince == null) {
            failingSince = now;
            loggedAt = now;
            attempts = 1;
            log.warn("admin poll cannot {}, keeping {}: {}", what, keeping, describe(e));
            log.debug("the admin poll's failure", e);
            return;
        }
        attempts++;
        if (!now.isBefore(loggedAt.plus(EVERY))) {
            loggedAt = now;
            log.warn(
                    "admin poll still cannot {} after {} s, {} attempts, keeping {}, last: {}",
                    what,
                    Duration.between(failingSince, now).toSeconds(),
                    attempts,
                    keeping,
                    describe(e));
        }
    }

    /** The call worked (or, for the storing of switches, has nothing left to store). */
    synchronized void succeeded() {
        if (failingSince == null) {
            return;
        }
        log.info(
                "admin poll is again able to {}, after failing for {} s, {} attempts",
                what,
                Duration.between(failingSince, clock.instant()).toSeconds(),
                attempts);
        failingSince = null;
    }

    /** The exception's message and, when it does not hold it already, its cause's. */
    private static String describe(RuntimeException e) {
        String message = String.valueOf(e.getMessage());
        Throwable cause = e.getCause();
        if (cause == null || cause.getMessage() == null || message.contains(cause.getMessage())) {
            return message;
        }
        return message + " (cause: " + cause.getMessage() + ")";
    }
}
