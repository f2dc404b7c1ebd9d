package io.georeg.replicator.intake;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says in the log that the intake refused a notification (wrong shared secret, wrong method,
 * media type or size). The sender re-sends a refused notification forever and every later one
 * waits behind it (distribution delivers in order), so replication stops: without a line here
 * the only trace would be the sender's own log. Distribution re-sends several times a second, so
 * each kind of refusal is logged at once and then at most once per {@link #EVERY}, with how many
 * were refused since the last line. Used by {@link IntakeHandler}; thread-safe.
 */
final class RefusalLog {
    static final Duration EVERY = Duration.ofMinutes(1);
    private static final Logger LOG = LoggerFactory.getLogger(IntakeHandler.class);

    private final Clock clock;
    private final Map<IntakeOutcome, Window> windows = new ConcurrentHashMap<>();

    RefusalLog(Clock clock) {
        this.clock = clock;
    }

    /** What was logged last of one kind, and how many of that kind were refused since. */
    private record Window(Instant loggedAt, long refusedSince) {}

    void refused(IntakeOutcome outcome, int status, String reason, String sender) {
        Instant now = clock.instant();
        long[] unlogged = {0};
        boolean[] log = {false};
        windows.compute(outcome, (k, w) -> {
            if (w == null || !now.isBefore(w.loggedAt().plus(EVERY))) {
                unlogged[0] = w == null ? 0 : w.refusedSince();
                log[0] = true;
                return new Window(now, 0);
            }
            return new Window(w.loggedAt(), w.refusedSince() + 1);
        });
        if (log[0]) {
            LOG.warn(
                    "refused a notification from {} with {} ({}): the sender re-sends it and holds back every later"
                            + " notification, so replication waits until this is fixed{}",
                    sender,
                    status,
                    reason,
                    unlogged[0] == 0 ? "" : " (" + unlogged[0] + " more refused since the last such line)");
        }
    }
}
