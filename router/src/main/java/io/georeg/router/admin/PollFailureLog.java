package io.georeg.router.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says in the log that {@link SiteControl}'s poll cannot read the admin state store, without a
 * stack trace per poll: the poll runs every {@code router.admin.pollInterval} (1 s by default), so
 * a database down for an hour used to write 3,600 stack traces. The first failure of a run is
 * logged with its cause's message (its stack trace at DEBUG), then at most one summary line per
 * {@link #EVERY} while polls go on failing, and one line when a poll reads the store again.
 * Called by the poll; thread-safe.
 */
final class PollFailureLog {
    static final Duration EVERY = Duration.ofMinutes(1);
    private static final Logger LOG = LoggerFactory.getLogger(SiteControl.class);

    private final Clock clock;
    /** When the polls began to fail; null while they succeed. */
    private Instant failingSince;

    private Instant loggedAt;
    private long attempts;

    PollFailureLog(Clock clock) {
        this.clock = clock;
    }

    /** A poll failed with {@code e}; {@code keeping} says what this router goes on with meanwhile. */
    synchronized void failed(RuntimeException e, String keeping) {
        Instant now = clock.instant();
        if (failingSince == null) {
            failingSince = now;
            loggedAt = now;
            attempts = 1;
            LOG.warn("cannot read the router admin state, keeping {}: {}", keeping, describe(e));
            LOG.debug("the admin poll's failure", e);
            return;
        }
        attempts++;
        if (!now.isBefore(loggedAt.plus(EVERY))) {
            loggedAt = now;
            LOG.warn(
                    "admin poll failing for {} s, {} attempts, keeping {}, last: {}",
                    Duration.between(failingSince, now).toSeconds(),
                    attempts,
                    keeping,
                    describe(e));
        }
    }

    /** A poll read the store. */
    synchronized void succeeded() {
        if (failingSince == null) {
            return;
        }
        LOG.info(
                "admin poll reads the router admin state again, after failing for {} s, {} attempts",
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
