package io.georeg.replicator.queue;

import io.georeg.db.Database;
import io.georeg.db.Transactions;
import io.georeg.oci.Digest;
import io.georeg.oci.NamespaceOwners;
import io.georeg.oci.RepositoryName;
import io.georeg.replicator.binding.PrimaryBindingStore;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The durable work queue in PostgreSQL ({@code replication_work}, migration V2), after
 * Conductor's PostgreSQL queue: requests are coalesced per (repository, kind, ref); workers claim
 * due rows with {@code FOR UPDATE SKIP LOCKED} and a lease (owner + expiry) so several replicator
 * processes share one queue, and a lease that runs out (a crashed process) makes the row
 * claimable again. Failures are rescheduled in the table with the backoff the caller computed.
 *
 * <p>A request for a row that is being worked on bumps its {@code generation} but leaves it
 * claimed; the worker's completion then sees the newer generation and puts the row back to
 * pending instead of done, so one row is never worked on by two workers and no request is lost.
 *
 * <p>The one writer of {@code replication_work}: every statement that inserts, updates or deletes
 * its rows is declared here. Used by the intake ({@link #queuedFrom}, embedded in its
 * one-statement commit), cache-on-miss, reconcile and preheat ({@link #enqueue}), the scheduler
 * (claim, renew, complete, fail), {@code georeg retry} ({@link #retryFailed}) and the retention
 * pruner ({@link #pruneDone}).
 */
public final class WorkQueue {
    /** The LISTEN/NOTIFY channel that wakes the schedulers when work is queued. */
    public static final String WAKE_CHANNEL = "georeg_replication_work";

    /**
     * The coalescing rule of every request: the row's description (operation, digest, source)
     * is the newest request's by its timestamp, so an older one arriving late does not replace
     * it; but every request makes the row run again (a running row's generation goes up, a
     * finished one becomes pending, attempts start over), whatever its timestamp, because
     * timestamps come from the clocks of several primary instances and a late, old-looking event
     * may be the newest change: the worker then asks the primary what is true now. A newer request
     * without a digest (the reconcile crawl's sync of a tag the replica lacks) keeps the digest an
     * earlier request of the same operation brought: a push's digest is what lets the worker wait
     * for distribution to link the pushed tag ({@code PushedTagLink}), and the crawl knows no
     * better one. A finished row's lag is measured from this request.
     */
    private static final String COALESCE_ON_CONFLICT = """
            ON CONFLICT ON CONSTRAINT replication_work_key DO UPDATE SET
                operation = CASE WHEN excluded.last_event_at >= replication_work.last_event_at
                                 THEN excluded.operation ELSE replication_work.operation END,
                digest = CASE WHEN excluded.last_event_at >= replication_work.last_event_at
                              THEN coalesce(excluded.digest, CASE WHEN excluded.operation = replication_work.operation
                                                                  THEN replication_work.digest END)
                              ELSE replication_work.digest END,
                media_type = CASE WHEN excluded.last_event_at >= replication_work.last_event_at
                                  THEN excluded.media_type ELSE replication_work.media_type END,
                size = CASE WHEN excluded.last_event_at >= replication_work.last_event_at
                            THEN excluded.size ELSE replication_work.size END,
                source = CASE WHEN excluded.last_event_at >= replication_work.last_event_at
                              THEN excluded.source ELSE replication_work.source END,
                generation = replication_work.generation + 1,
                state = CASE WHEN replication_work.state = 'in_progress' THEN 'in_progress' ELSE 'pending' END,
                attempts = 0,
                next_attempt_at = now(),
                last_error = NULL,
                first_event_at = CASE WHEN replication_work.state IN ('done', 'failed') THEN excluded.first_event_at
                                      ELSE least(replication_work.first_event_at, excluded.first_event_at) END,
                last_event_at = greatest(replication_work.last_event_at, excluded.last_event_at),
                enqueued_at = CASE WHEN replication_work.state IN ('done', 'failed') THEN now()
                                   ELSE replication_work.enqueued_at END,
                updated_at = now(),
                done_at = NULL
            """;

    private static final String ENQUEUE = """
            WITH input AS (
                SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[],
                                     ?::timestamptz[], ?::text[])
                    AS i(repository, kind, ref, operation, digest, media_type, size, requested_at, source)
            ), """ + queuedFrom("input") + """
            SELECT count(*), """ + wakeIfAny("queued") + """
             FROM queued
            """;
    /**
     * Rows whose lease ran out first (their owner is gone), then due pending rows, oldest first:
     * each of the two is a walk of its own partial index that stops at the limit. One condition
     * with {@code OR} made PostgreSQL read and sort every due row on each claim (a backlog of
     * 10^4 tags: a sequential scan and a sort per claim, and the scheduler claims as often as a
     * slot frees).
     *
     * <p>Only while the tracking database replicates the claiming process's primaries (its
     * binding's fingerprint equals the stored one, V21): a process whose database was rebound to
     * other primaries ({@code georeg primaries --adopt}) would otherwise take work their primary
     * notified, find nothing at its own and mark it done with nothing stored. Checked in this
     * statement, so no claim falls between a rebind and a process's next look at it: the stored
     * fingerprint is a one-row InitPlan and a One-Time Filter above the walks, which, when it is
     * false, never run (nothing is read or locked). Parameters: the limit, the limit, the owner,
     * the lease in ms, the limit, the fingerprint.
     */
    private static final String CLAIM = """
            WITH expired AS (
                SELECT id FROM replication_work
                 WHERE state = 'in_progress' AND lease_expires_at < now()
                 ORDER BY lease_expires_at
                 LIMIT ?
                 FOR UPDATE SKIP LOCKED),
            due AS (
                SELECT id FROM replication_work
                 WHERE state = 'pending' AND next_attempt_at <= now()
                 ORDER BY next_attempt_at, id
                 LIMIT ?
                 FOR UPDATE SKIP LOCKED)
            UPDATE replication_work w
               SET state = 'in_progress', lease_owner = ?, lease_expires_at = now() + ? * interval '1 millisecond',
                   attempts = w.attempts + 1, updated_at = now()
              FROM (SELECT id FROM expired UNION ALL SELECT id FROM due LIMIT ?) claimed
             WHERE w.id = claimed.id
               AND """ + PrimaryBindingStore.STORED_FINGERPRINT + """
             = ?
            RETURNING w.id, w.repository, w.kind, w.ref, w.operation, w.digest, w.media_type, w.size, w.generation,
                      w.attempts, w.first_event_at, w.source
            """;

    private static final String NEXT_DUE = """
            SELECT EXTRACT(EPOCH FROM (min(next_attempt_at) - now())) * 1000 FROM replication_work WHERE state = 'pending'
            """;

    private static final String RENEW = """
            UPDATE replication_work SET lease_expires_at = now() + ? * interval '1 millisecond'
             WHERE lease_owner = ? AND state = 'in_progress' AND id = ANY (?)
            """;

    private static final String COMPLETE = """
            UPDATE replication_work
               SET state = CASE WHEN generation = ? THEN 'done' ELSE 'pending' END,
                   done_at = CASE WHEN generation = ? THEN now() END,
                   attempts = CASE WHEN generation = ? THEN attempts ELSE 0 END,
                   next_attempt_at = now(), last_error = NULL, lease_owner = NULL, lease_expires_at = NULL,
                   updated_at = now()
             WHERE id = ? AND lease_owner = ? AND state = 'in_progress'
            RETURNING state, now()
            """;

    // A deferred run: pending again after the delay (at once when a newer request came), never failed.
    private static final String DEFER = """
            UPDATE replication_work
               SET state = 'pending',
                   next_attempt_at = CASE WHEN generation <> ? THEN now() ELSE now() + ? * interval '1 millisecond' END,
                   attempts = CASE WHEN generation <> ? THEN 0 ELSE attempts END,
                   last_error = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
             WHERE id = ? AND lease_owner = ? AND state = 'in_progress'
            """;

    private static final String FAIL = """
            UPDATE replication_work
               SET state = CASE WHEN generation <> ? THEN 'pending'
                                WHEN ? OR attempts >= ? THEN 'failed'
                                ELSE 'pending' END,
                   next_attempt_at = CASE WHEN generation <> ? THEN now() ELSE now() + ? * interval '1 millisecond' END,
                   attempts = CASE WHEN generation <> ? THEN 0 ELSE attempts END,
                   last_error = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
             WHERE id = ? AND lease_owner = ? AND state = 'in_progress'
            RETURNING state
            """;

    private static final String RETRY_FAILED = """
            WITH requeued AS (
                UPDATE replication_work
                   SET state = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now(),
                       enqueued_at = now()
                 WHERE state = 'failed' AND (?::text IS NULL OR repository = ?)
                RETURNING 1
            )
            SELECT count(*), CASE WHEN count(*) > 0 THEN pg_notify('""" + WAKE_CHANNEL + """
            ', '') END FROM requeued
            """;

    private static final String DEPTH = """
            SELECT state, count(*), min(first_event_at) FROM replication_work GROUP BY state
            """;

    private static final String DEPTH_BY_REPOSITORY = """
            SELECT repository, state, count(*), min(first_event_at) FROM replication_work GROUP BY repository, state
            """;

    private static final String FAILURES = """
            SELECT id, repository, kind, ref, operation, attempts, last_error, updated_at
              FROM replication_work WHERE state = 'failed' ORDER BY updated_at DESC LIMIT ?
            """;

    private static final String REQUEUE =
            """
            WITH requeued AS (
                UPDATE replication_work
                   SET generation = generation + 1,
                       state = CASE WHEN state = 'in_progress' THEN 'in_progress' ELSE 'pending' END,
                       attempts = 0, next_attempt_at = now(), last_error = NULL, done_at = NULL, updated_at = now()
                 WHERE id = ?
                RETURNING 1
            )
            SELECT count(*), """ + "CASE WHEN count(*) > 0 THEN pg_notify('" + WAKE_CHANNEL + "', '') END" + """
             FROM requeued
            """;

    private static final String PRUNE_DONE = """
            DELETE FROM replication_work WHERE id IN (
                SELECT id FROM replication_work WHERE state = 'done' AND done_at < now() - ? * interval '1 millisecond' LIMIT ?)
            """;

    private final Transactions tx;

    public WorkQueue(Database database) {
        this.tx = database.transactions();
    }

    /**
     * The common table expression {@code queued} that coalesces the requests of relation
     * {@code input} (columns repository, kind, ref, operation, digest, media_type, size,
     * requested_at, source) into the queue, one row per key, the newest request of each key
     * first; it returns one row per row changed. For a statement that must queue work together
     * with its own writes (the intake records an envelope's events and their work in one
     * statement, one round trip): the queue's rows are still written only by this class's SQL.
     */
    public static String queuedFrom(String input) {
        return """
                queued AS (
                    INSERT INTO replication_work
                        (repository, kind, ref, operation, digest, media_type, size, source, first_event_at, last_event_at)
                    SELECT DISTINCT ON (repository, kind, ref)
                           repository, kind, ref, operation, digest, media_type, size, source, requested_at, requested_at
                      FROM %s
                     ORDER BY repository, kind, ref, requested_at DESC
                """.formatted(input) + COALESCE_ON_CONFLICT + """
                    RETURNING 1
                )
                """;
    }

    /** A select-list expression that wakes the schedulers when relation {@code queued} has rows. */
    public static String wakeIfAny(String queued) {
        return "CASE WHEN EXISTS (SELECT 1 FROM " + queued + ") THEN pg_notify('" + WAKE_CHANNEL + "', '') END";
    }

    /** Queues (coalesces) requests in one statement and wakes the schedulers; returns rows changed. */
    public int enqueue(Collection<WorkRequest> requests) {
        if (requests.isEmpty()) {
            return 0;
        }
        int n = requests.size();
        String[] repository = new String[n];
        String[] kind = new String[n];
        String[] ref = new String[n];
        String[] operation = new String[n];
        String[] digest = new String[n];
        String[] mediaType = new String[n];
        Long[] size = new Long[n];
        String[] requestedAt = new String[n];
        String[] source = new String[n];
        int i = 0;
        for (WorkRequest r : requests) {
            repository[i] = r.repository().value();
            kind[i] = r.kind().column();
            ref[i] = r.ref();
            operation[i] = r.operation().column();
            digest[i] = r.digest().map(Digest::toString).orElse(null);
            mediaType[i] = r.mediaType().orElse(null);
            size[i] = r.size() >= 0 ? r.size() : null;
            requestedAt[i] = r.requestedAt().toString();
            source[i] = r.source();
            i++;
        }
        // One statement on an auto-commit connection: atomic, and one round trip.
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(ENQUEUE)) {
                ps.setArray(1, c.createArrayOf("text", repository));
                ps.setArray(2, c.createArrayOf("text", kind));
                ps.setArray(3, c.createArrayOf("text", ref));
                ps.setArray(4, c.createArrayOf("text", operation));
                ps.setArray(5, c.createArrayOf("text", digest));
                ps.setArray(6, c.createArrayOf("text", mediaType));
                ps.setArray(7, c.createArrayOf("bigint", size));
                ps.setArray(8, c.createArrayOf("text", requestedAt));
                ps.setArray(9, c.createArrayOf("text", source));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    /**
     * Claims up to {@code limit} due items for {@code owner}, leased for {@code lease}, when the
     * database's stored primary binding is {@code binding} ({@code PrimaryBinding.fingerprint()});
     * none when it is another.
     */
    public List<WorkItem> claim(String owner, int limit, Duration lease, String binding) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
                ps.setInt(1, limit);
                ps.setInt(2, limit);
                ps.setString(3, owner);
                ps.setLong(4, lease.toMillis());
                ps.setInt(5, limit);
                ps.setString(6, binding);
                List<WorkItem> items = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        items.add(item(rs));
                    }
                }
                return items;
            }
        });
    }

    /** How long until the next pending item is due (zero when one is due now); empty when none is pending. */
    public Optional<Duration> nextDueIn() {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(NEXT_DUE);
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                double millis = rs.getDouble(1);
                return rs.wasNull()
                        ? Optional.<Duration>empty()
                        : Optional.of(Duration.ofMillis(Math.max(0, (long) millis)));
            }
        });
    }

    /** Extends the leases of the items {@code owner} is still working on. */
    public int renewLeases(String owner, Collection<Long> ids, Duration lease) {
        if (ids.isEmpty()) {
            return 0;
        }
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(RENEW)) {
                ps.setLong(1, lease.toMillis());
                ps.setString(2, owner);
                Array array = c.createArrayOf("bigint", ids.toArray(new Long[0]));
                ps.setArray(3, array);
                return ps.executeUpdate();
            }
        });
    }

    /**
     * Marks a claimed item done, or pending again when a newer request arrived meanwhile.
     *
     * @return what became of it: empty when the lease was lost (another worker owns it now)
     */
    public Optional<Completion> complete(WorkItem item, String owner) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(COMPLETE)) {
                ps.setInt(1, item.generation());
                ps.setInt(2, item.generation());
                ps.setInt(3, item.generation());
                ps.setLong(4, item.id());
                ps.setString(5, owner);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new Completion(
                            WorkState.fromColumn(rs.getString(1)),
                            rs.getTimestamp(2).toInstant()));
                }
            }
        });
    }

    /**
     * Records a failure: rescheduled after {@code retryAfter}, or failed for good when
     * {@code permanent} or when the item has had {@code maxAttempts}.
     *
     * @return the new state, empty when the lease was lost
     */
    public Optional<WorkState> fail(
            WorkItem item, String owner, String reason, boolean permanent, int maxAttempts, Duration retryAfter) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(FAIL)) {
                ps.setInt(1, item.generation());
                ps.setBoolean(2, permanent);
                ps.setInt(3, maxAttempts);
                ps.setInt(4, item.generation());
                ps.setLong(5, retryAfter.toMillis());
                ps.setInt(6, item.generation());
                ps.setString(7, truncate(reason));
                ps.setLong(8, item.id());
                ps.setString(9, owner);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(WorkState.fromColumn(rs.getString(1))) : Optional.empty();
                }
            }
        });
    }

    /**
     * Makes a claimed item pending again after {@code delay} ({@link WorkDeferredException}), or
     * at once when a newer request for it came meanwhile; {@code reason} is shown as its last error.
     *
     * @return false when the lease was lost
     */
    public boolean defer(WorkItem item, String owner, String reason, Duration delay) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(DEFER)) {
                ps.setInt(1, item.generation());
                ps.setLong(2, delay.toMillis());
                ps.setInt(3, item.generation());
                ps.setString(4, truncate(reason));
                ps.setLong(5, item.id());
                ps.setString(6, owner);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** {@code georeg retry}: failed items (of one repository, or all) become pending now. */
    public int retryFailed(Optional<RepositoryName> repository) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(RETRY_FAILED)) {
                String name = repository.map(RepositoryName::value).orElse(null);
                ps.setString(1, name);
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    /**
     * Makes an item run again, as a new request for it would: for a run that lost its lease
     * (another worker may have applied the item meanwhile, and this run's writes may have landed
     * after that one's), so that a run that starts after those writes has the last word.
     *
     * @return false when the row is gone
     */
    public boolean requeue(WorkItem item) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(REQUEUE)) {
                ps.setLong(1, item.id());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) > 0;
                }
            }
        });
    }

    /**
     * Deletes up to {@code batch} finished items older than {@code olderThan} (the retention
     * pruner's job); safe, because a later request for the same key simply inserts it again.
     *
     * @return rows deleted
     */
    public int pruneDone(Duration olderThan, int batch) {
        return tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(PRUNE_DONE)) {
                ps.setLong(1, olderThan.toMillis());
                ps.setInt(2, batch);
                return ps.executeUpdate();
            }
        });
    }

    /** Rows per state, and the oldest unfinished request (for the oldest-pending-age gauge). */
    public Depth depth() {
        return tx.read(c -> {
            DepthTally tally = new DepthTally();
            try (PreparedStatement ps = c.prepareStatement(DEPTH);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tally.add(WorkState.fromColumn(rs.getString(1)), rs.getLong(2), rs.getTimestamp(3));
                }
            }
            return tally.depth();
        });
    }

    /**
     * {@link #depth()} per owner of the items' repositories, for a secondary of several primaries
     * (the {@code primary} label of the queue gauges): the rows are counted per repository and
     * summed per owner here, so that ownership is {@code owners}' rule alone, not a copy of it in
     * SQL. Every owner of {@code owners} is present, with zeros when it has no rows; the items of
     * repositories no primary owns are under {@code noOwner}.
     */
    public Map<String, Depth> depthByOwner(NamespaceOwners owners, String noOwner) {
        return tx.read(c -> {
            Map<String, DepthTally> tallies = new LinkedHashMap<>();
            owners.owners().forEach(name -> tallies.put(name, new DepthTally()));
            try (PreparedStatement ps = c.prepareStatement(DEPTH_BY_REPOSITORY);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String owner = owners.ownerOf(rs.getString(1)).orElse(noOwner);
                    tallies.computeIfAbsent(owner, o -> new DepthTally())
                            .add(WorkState.fromColumn(rs.getString(2)), rs.getLong(3), rs.getTimestamp(4));
                }
            }
            Map<String, Depth> out = new LinkedHashMap<>();
            tallies.forEach((owner, tally) -> out.put(owner, tally.depth()));
            return out;
        });
    }

    /** Counts per state and the oldest unfinished request, summed over result rows. */
    private static final class DepthTally {
        private final Map<WorkState, Long> counts = new EnumMap<>(WorkState.class);
        private Instant oldest;

        DepthTally() {
            for (WorkState s : WorkState.values()) {
                counts.put(s, 0L);
            }
        }

        void add(WorkState state, long rows, Timestamp firstEventAt) {
            counts.merge(state, rows, Long::sum);
            if (firstEventAt != null
                    && (state == WorkState.PENDING || state == WorkState.IN_PROGRESS)
                    && (oldest == null || firstEventAt.toInstant().isBefore(oldest))) {
                oldest = firstEventAt.toInstant();
            }
        }

        Depth depth() {
            return new Depth(Map.copyOf(counts), Optional.ofNullable(oldest));
        }
    }

    /** The most recently failed items, newest first, for {@code georeg retry --list} and status. */
    public List<FailedItem> failures(int limit) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(FAILURES)) {
                ps.setInt(1, limit);
                List<FailedItem> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new FailedItem(
                                rs.getLong(1),
                                rs.getString(2),
                                WorkKind.fromColumn(rs.getString(3)),
                                rs.getString(4),
                                WorkOperation.fromColumn(rs.getString(5)),
                                rs.getInt(6),
                                rs.getString(7),
                                rs.getTimestamp(8).toInstant()));
                    }
                }
                return out;
            }
        });
    }

    private static WorkItem item(ResultSet rs) throws SQLException {
        long size = rs.getLong(8);
        if (rs.wasNull()) {
            size = -1;
        }
        return new WorkItem(
                rs.getLong(1),
                RepositoryName.of(rs.getString(2)),
                WorkKind.fromColumn(rs.getString(3)),
                rs.getString(4),
                WorkOperation.fromColumn(rs.getString(5)),
                Optional.ofNullable(rs.getString(6)).map(Digest::parse),
                Optional.ofNullable(rs.getString(7)),
                size,
                rs.getInt(9),
                rs.getInt(10),
                rs.getTimestamp(11).toInstant(),
                rs.getString(12));
    }

    private static String truncate(String reason) {
        String r = reason == null ? "unknown error" : reason;
        return r.length() > 2000 ? r.substring(0, 2000) : r;
    }

    /** Outcome of {@link #complete}: the new state and the database's clock when it was applied. */
    public record Completion(WorkState state, Instant appliedAt) {}

    /** Queue depth by state and the oldest unfinished request. */
    public record Depth(Map<WorkState, Long> byState, Optional<Instant> oldestPending) {}

    /** A failed item as {@code georeg retry --list} shows it. */
    public record FailedItem(
            long id,
            String repository,
            WorkKind kind,
            String ref,
            WorkOperation operation,
            int attempts,
            String lastError,
            Instant failedAt) {}
}
