package io.georeg.replicator.intake;

import io.georeg.db.Database;
import io.georeg.db.Transactions;
import io.georeg.oci.Digest;
import io.georeg.replicator.queue.WorkKind;
import io.georeg.replicator.queue.WorkQueue;
import io.georeg.replicator.queue.WorkRequest;
import io.georeg.replicator.reconcile.RepositoryFilter;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Commits an envelope's events before the intake answers: inserts them into
 * {@code replication_event} (a re-sent event id inserts nothing), coalesces the work they ask for
 * into the queue ({@link WorkQueue#queuedFrom}, the queue's own SQL), counts pulls in
 * {@code pull_counter}, and NOTIFYs the schedulers, all in ONE statement on an auto-commit
 * connection: one transaction and one round trip per envelope, because the registry sends one
 * event at a time and waits for each answer. Only events that were new produce work or counts.
 * An event that asks for several pieces of work (a GitLab rename: its old and its new path) is
 * one input row per piece, the event inserted once.
 */
public final class EventStore {
    private static final String RECORD =
            """
            WITH input AS (
                SELECT * FROM unnest(?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                                     ?::bigint[], ?::jsonb[], ?::text[], ?::text[], ?::text[], ?::text[])
                    AS i(event_id, event_at, action, repository, digest, tag, media_type, size, event, kind, ref, operation,
                         work_repository)
            ), fresh AS (
                INSERT INTO replication_event (event_id, event_at, action, repository, digest, tag, media_type, size, event)
                SELECT DISTINCT ON (event_id) event_id, event_at, action, repository, digest, tag, media_type, size, event
                  FROM input
                ON CONFLICT (event_id) DO NOTHING
                RETURNING event_id
            ), new_input AS (
                SELECT i.* FROM input i WHERE i.event_id IN (SELECT event_id FROM fresh)
            ), event_work AS (
                SELECT work_repository AS repository, kind, ref, operation, digest, media_type, size,
                       event_at AS requested_at, 'event' AS source
                  FROM new_input WHERE operation IS NOT NULL
            ), """ + WorkQueue.queuedFrom("event_work") + """
            , pulls AS (
                INSERT INTO pull_counter AS p (repository, digest, pulls, last_pulled_at)
                SELECT repository, coalesce(digest, ''), count(DISTINCT event_id), max(event_at)
                  FROM new_input WHERE action = 'pull' GROUP BY 1, 2
                ON CONFLICT (repository, digest) DO UPDATE
                   SET pulls = p.pulls + excluded.pulls, last_pulled_at = greatest(p.last_pulled_at, excluded.last_pulled_at)
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM fresh), (SELECT count(*) FROM queued), (SELECT count(DISTINCT event_id) FROM new_input WHERE action = 'pull'),
                   """ + WorkQueue.wakeIfAny("queued") + """

            """;

    private final Transactions tx;
    private final RepositoryFilter filter;

    /** An event store that queues work for every repository. */
    public EventStore(Database database) {
        this(database, RepositoryFilter.ALL);
    }

    /** Events of repositories {@code filter} does not replicate are recorded (and pulls counted) but queue nothing. */
    public EventStore(Database database, RepositoryFilter filter) {
        this.tx = database.transactions();
        this.filter = filter;
    }

    /** One input row: an event and one piece of the work it asks for (null: none). */
    private record Row(NotificationEvent event, WorkRequest work) {}

    /** What one envelope changed. */
    public record Recorded(int newEvents, int duplicates, int workQueued, int pullsCounted) {}

    /**
     * Commits the events (one statement, one transaction).
     *
     * @throws io.georeg.db.DatabaseUnavailableException when the database cannot be reached
     */
    public Recorded record(List<NotificationEvent> events) {
        if (events.isEmpty()) {
            return new Recorded(0, 0, 0, 0);
        }
        List<Row> rows = new ArrayList<>();
        for (NotificationEvent e : events) {
            List<WorkRequest> work = EventClassifier.workFor(e).stream()
                    .filter(w -> w.kind() == WorkKind.REPOSITORY || filter.replicates(w.repository()))
                    .toList();
            if (work.isEmpty()) {
                rows.add(new Row(e, null));
            }
            work.forEach(w -> rows.add(new Row(e, w)));
        }
        int n = rows.size();
        String[] id = new String[n];
        String[] at = new String[n];
        String[] action = new String[n];
        String[] repository = new String[n];
        String[] digest = new String[n];
        String[] tag = new String[n];
        String[] mediaType = new String[n];
        Long[] size = new Long[n];
        String[] json = new String[n];
        String[] kind = new String[n];
        String[] ref = new String[n];
        String[] operation = new String[n];
        String[] workRepository = new String[n];
        for (int i = 0; i < n; i++) {
            NotificationEvent e = rows.get(i).event();
            WorkRequest w = rows.get(i).work();
            id[i] = e.id();
            at[i] = e.timestamp().toString();
            action[i] = e.action();
            repository[i] = e.repository().value();
            digest[i] = e.digest().map(Digest::toString).orElse(null);
            tag[i] = e.tag().map(Object::toString).orElse(null);
            mediaType[i] = e.mediaType().orElse(null);
            size[i] = e.size() >= 0 ? e.size() : null;
            json[i] = e.json();
            kind[i] = w == null ? null : w.kind().column();
            ref[i] = w == null ? null : w.ref();
            operation[i] = w == null ? null : w.operation().column();
            workRepository[i] = w == null ? null : w.repository().value();
        }
        int eventCount = events.size();
        // A single statement on an auto-commit connection is its own transaction: committed (with
        // the NOTIFY) before the intake answers, in one round trip.
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(RECORD)) {
                ps.setArray(1, c.createArrayOf("text", id));
                ps.setArray(2, c.createArrayOf("text", at));
                ps.setArray(3, c.createArrayOf("text", action));
                ps.setArray(4, c.createArrayOf("text", repository));
                ps.setArray(5, c.createArrayOf("text", digest));
                ps.setArray(6, c.createArrayOf("text", tag));
                ps.setArray(7, c.createArrayOf("text", mediaType));
                ps.setArray(8, c.createArrayOf("bigint", size));
                ps.setArray(9, c.createArrayOf("text", json));
                ps.setArray(10, c.createArrayOf("text", kind));
                ps.setArray(11, c.createArrayOf("text", ref));
                ps.setArray(12, c.createArrayOf("text", operation));
                ps.setArray(13, c.createArrayOf("text", workRepository));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    int fresh = rs.getInt(1);
                    return new Recorded(fresh, eventCount - fresh, rs.getInt(2), rs.getInt(3));
                }
            }
        });
    }
}
