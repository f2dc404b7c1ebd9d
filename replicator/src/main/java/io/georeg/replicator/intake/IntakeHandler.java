package io.georeg.replicator.intake;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.db.DatabaseException;
import io.georeg.db.DatabaseUnavailableException;
import io.georeg.oci.ManifestParser;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST <path>}: the primary registry's notification endpoint (distribution's
 * {@code notifications.endpoints[].url}). Checks the shared secret (401), the size (413), the
 * media type (415), the envelope (400 with the reason; an envelope some of whose events are
 * readable has those recorded and the others listed as {@code refused} in the 200), then commits the events with
 * {@link EventStore} and only then answers 200. While the database is unreachable it answers 503:
 * distribution re-sends the same event until it gets a 2xx, so nothing acknowledged is lost and
 * nothing unacknowledged is dropped. Error answers are a small JSON object
 * {@code {"error": "...", "reason": "..."}}; a refused notification (401, 413, 415) is also said in
 * the log ({@link RefusalLog}), since the sender holds back everything after it. While its
 * {@code closed} supplier gives a reason (the tracking database replicates other primaries than
 * this process's), an authenticated notification is answered 503 with that reason and recorded
 * nowhere: the sender keeps it and re-sends, and nothing is queued for a replicator of another
 * primary to drop.
 *
 * <p>Mounted by the app's handler tree (or a test's server); does nothing for other paths.
 */
public final class IntakeHandler extends Handler.Abstract {
    /** The most of an oversized body read before the 413 (beyond it the connection is just closed). */
    static final long REFUSED_BODY_DRAIN_LIMIT = 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(IntakeHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String EVENTS_MEDIA_TYPE = "application/vnd.docker.distribution.events.v1+json";
    /** The most reasons for unreadable events said in an answer and its log line. */
    static final int MAX_REASONS = 10;

    private static final Set<String> ACCEPTED_TYPES = Set.of(EVENTS_MEDIA_TYPE, "application/json");

    private final IntakeConfig config;
    private final SharedSecret secret;
    private final EventStore store;
    private final IntakeObserver observer;
    private final RefusalLog refusals;
    private final Supplier<Optional<String>> closed;

    /** An intake that is always open. */
    public IntakeHandler(IntakeConfig config, EventStore store, IntakeObserver observer) {
        this(config, store, observer, Optional::empty);
    }

    /** @param closed why the intake answers 503 for now; empty while it records */
    public IntakeHandler(
            IntakeConfig config, EventStore store, IntakeObserver observer, Supplier<Optional<String>> closed) {
        this(config, store, observer, closed, Clock.systemUTC());
    }

    IntakeHandler(
            IntakeConfig config,
            EventStore store,
            IntakeObserver observer,
            Supplier<Optional<String>> closed,
            Clock clock) {
        this.config = config.validate();
        this.secret = new SharedSecret(config.resolvedSecret());
        this.store = store;
        this.observer = observer;
        this.closed = closed;
        this.refusals = new RefusalLog(clock);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!config.path().equals(Request.getPathInContext(request))) {
            return false;
        }
        if (!"POST".equals(request.getMethod())) {
            refuseBody(request, response);
            response.getHeaders().put(HttpHeader.ALLOW, "POST");
            return answer(response, callback, 405, IntakeOutcome.METHOD_NOT_ALLOWED, "notifications are POSTed", 0);
        }
        if (!secret.matches(request.getHeaders().get(config.secretHeader()))) {
            refuseBody(request, response);
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"georeg-replicator\"");
            refusals.refused(
                    IntakeOutcome.UNAUTHORIZED,
                    401,
                    "missing or wrong shared secret in header " + config.secretHeader(),
                    sender(request));
            return answer(
                    response,
                    callback,
                    401,
                    IntakeOutcome.UNAUTHORIZED,
                    "missing or wrong shared secret in header " + config.secretHeader(),
                    0);
        }
        Optional<String> closedBecause = closed.get();
        if (closedBecause.isPresent()) {
            refuseBody(request, response);
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "10");
            return answer(response, callback, 503, IntakeOutcome.PRIMARY_BINDING_MISMATCH, closedBecause.get(), 0);
        }
        if (request.getLength() > config.maxBodyBytes()) {
            if (!expectsContinue(request)) {
                // Read before refusing, within a bound: closing on a sender still writing the body
                // resets the connection, and the sender may see that instead of the 413.
                drain(request, REFUSED_BODY_DRAIN_LIMIT);
            }
            return tooLarge(request, response, callback);
        }
        String type = ManifestParser.stripParams(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
        if (type == null || !ACCEPTED_TYPES.contains(type)) {
            refuseBody(request, response);
            String reason = "Content-Type must be " + EVENTS_MEDIA_TYPE + " or application/json (got " + type + ")";
            refusals.refused(IntakeOutcome.UNSUPPORTED_MEDIA_TYPE, 415, reason, sender(request));
            return answer(response, callback, 415, IntakeOutcome.UNSUPPORTED_MEDIA_TYPE, reason, 0);
        }
        byte[] body;
        try (InputStream in = Content.Source.asInputStream(request)) {
            body = in.readNBytes(Math.toIntExact(config.maxBodyBytes() + 1));
        } catch (IOException e) {
            LOG.debug("reading a notification body failed", e);
            return answer(
                    response, callback, 400, IntakeOutcome.MALFORMED, "body could not be read: " + e.getMessage(), 0);
        }
        if (body.length > config.maxBodyBytes()) {
            return tooLarge(request, response, callback);
        }
        EnvelopeParser.Envelope envelope;
        try {
            envelope = EnvelopeParser.read(body);
        } catch (MalformedEnvelopeException e) {
            LOG.warn("refused a malformed notification: {}", e.getMessage());
            return answer(response, callback, 400, IntakeOutcome.MALFORMED, e.getMessage(), 0);
        }
        // At most MAX_REASONS said: a 1 MiB envelope can hold a hundred thousand unreadable events.
        List<String> refused = envelope.refused().size() > MAX_REASONS
                ? Stream.concat(
                                envelope.refused().stream().limit(MAX_REASONS),
                                Stream.of("and " + (envelope.refused().size() - MAX_REASONS) + " more"))
                        .toList()
                : envelope.refused();
        int unreadable = envelope.refused().size();
        if (unreadable > 0 && unreadable == envelope.total()) {
            String reason = refused.getFirst() + (unreadable > 1 ? " (and " + (unreadable - 1) + " more)" : "");
            LOG.warn("refused a malformed notification: {}", reason);
            return answer(response, callback, 400, IntakeOutcome.MALFORMED, reason, 0);
        }
        // Some events are readable: they are recorded and acknowledged, the others refused with
        // their reasons. A 400 would lose the readable ones, since the registry re-sends the same
        // envelope, refused again every time.
        List<NotificationEvent> events = envelope.events();
        if (!refused.isEmpty()) {
            LOG.warn(
                    "a notification from {} had {} unreadable event(s) of {}, refused; the others are recorded: {}",
                    sender(request),
                    unreadable,
                    envelope.total(),
                    String.join("; ", refused));
        }
        EventStore.Recorded recorded;
        try {
            recorded = store.record(events);
        } catch (DatabaseUnavailableException e) {
            LOG.warn("database unavailable, asking the registry to re-send: {}", e.getMessage());
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
            return answer(
                    response,
                    callback,
                    503,
                    IntakeOutcome.DATABASE_UNAVAILABLE,
                    "the replication database is unreachable; re-send later",
                    events.size());
        } catch (DatabaseException e) {
            LOG.error("recording {} notification events failed", events.size(), e);
            return answer(response, callback, 500, IntakeOutcome.ERROR, "recording the events failed", events.size());
        }
        for (NotificationEvent e : events) {
            if (!NotificationEvent.KNOWN_ACTIONS.contains(e.action())) {
                LOG.info("event {} has action '{}', which asks for nothing here; recorded", e.id(), e.action());
                observer.unknownAction(e.action().matches("[a-z_]{1,32}") ? e.action() : "other");
            }
        }
        Map<String, Object> ok = new LinkedHashMap<>();
        ok.put("accepted", recorded.newEvents());
        ok.put("duplicates", recorded.duplicates());
        ok.put("queued", recorded.workQueued());
        if (!refused.isEmpty()) {
            ok.put("refused", refused);
        }
        // An envelope with unreadable events is counted apart, and the rejected-notifications alert
        // counts it: the events refused are not recorded, which the sender's 200 no longer shows.
        observer.requestHandled(
                !refused.isEmpty()
                        ? IntakeOutcome.PARTLY_MALFORMED
                        : recorded.newEvents() == 0 && recorded.duplicates() > 0
                                ? IntakeOutcome.DUPLICATE
                                : IntakeOutcome.ACCEPTED,
                events.size());
        return write(response, callback, 200, ok);
    }

    /**
     * Gets rid of a refused request's body. A sender that asked {@code Expect: 100-continue} has
     * not sent it yet and must never be told to (reading the body is what makes Jetty send the
     * 100): the refusal is its final answer, and the connection closes after it. Any other body is
     * read and dropped so that the connection stays usable.
     */
    private void refuseBody(Request request, Response response) {
        if (expectsContinue(request)) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            return;
        }
        drain(request, config.maxBodyBytes());
    }

    private static boolean expectsContinue(Request request) {
        return request.getHeaders().contains(HttpHeader.EXPECT, HttpHeaderValue.CONTINUE.asString());
    }

    /**
     * Reads and drops a refused request's body, at most {@code limit} bytes, so the sender reads
     * the refusal (and, for a body within the limit, the connection stays usable for its next
     * request); a longer body closes the connection.
     */
    private void drain(Request request, long limit) {
        try (InputStream in = Content.Source.asInputStream(request)) {
            long left = limit;
            byte[] scratch = new byte[8192];
            for (int n; left > 0 && (n = in.read(scratch, 0, (int) Math.min(scratch.length, left))) >= 0; ) {
                left -= n;
            }
        } catch (IOException e) {
            LOG.debug("draining a refused request body failed; the connection will be closed", e);
        }
    }

    /**
     * Who sent a refused notification and to which intake path: with several primaries each has its
     * own path, and a primary sending to another's (refused for its secret) is told apart by the path
     * it used, not by its address (behind an ingress every primary's is the same).
     */
    private String sender(Request request) {
        return Request.getRemoteAddr(request) + " at " + config.path();
    }

    private boolean tooLarge(Request request, Response response, Callback callback) {
        // The body is not read (or not all of it): the connection cannot be reused.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        String reason = "body is larger than " + config.maxBodyBytes() + " bytes (replicator.intake.maxBodyBytes)";
        refusals.refused(IntakeOutcome.TOO_LARGE, 413, reason, sender(request));
        return answer(response, callback, 413, IntakeOutcome.TOO_LARGE, reason, 0);
    }

    private boolean answer(
            Response response, Callback callback, int status, IntakeOutcome outcome, String reason, int events) {
        observer.requestHandled(outcome, events);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", outcome.label());
        body.put("reason", reason);
        return write(response, callback, status, body);
    }

    private static boolean write(Response response, Callback callback, int status, Map<String, Object> body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        try {
            Content.Sink.write(response, true, JSON.writeValueAsString(body), callback);
        } catch (IOException e) {
            callback.failed(e);
        }
        return true;
    }
}
