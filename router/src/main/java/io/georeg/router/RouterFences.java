package io.georeg.router;

import io.georeg.router.fallback.FallbackToPrimary;
import io.georeg.router.fallback.ReplicaDecision;
import io.georeg.router.fence.Fence;
import io.georeg.router.fence.FencedRead;
import io.georeg.router.fence.ReadYourWrites;
import io.georeg.router.proxy.ResponseInterceptor;
import io.georeg.router.route.RouteId;
import io.georeg.router.route.RouteMatch;
import java.util.List;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-your-writes as the legs apply it ({@link ReadYourWrites} keeps the fences): a write's
 * answer is held until its fences are recorded ({@link #onWrite}); a read that a fence pins goes
 * to the primary ({@link #pinned}); a referrers read is corrected with the fences
 * ({@link #referrers}). Without a tracking database there are no fences and every method says
 * so. A fence that cannot be checked pins the read: the primary is always current.
 */
final class RouterFences {
    private static final Logger LOG = LoggerFactory.getLogger(RouterFences.class);

    private final ReadYourWrites readYourWrites;
    private final RouterMetrics metrics;
    private final LocalBackends backends;
    private final boolean severalPrimaries;

    /**
     * @param readYourWrites null: no tracking database, no fences
     * @param backends       while the tracking database is unavailable a write's fences are not
     *                       waited for (reads go to the primary meanwhile, see {@link ReplicaRead})
     * @param severalPrimaries the catalog is never pinned: no one primary's catalog lists the
     *                       others' repositories, so the replica's merged one is the answer even
     *                       while it lacks a repository just pushed
     */
    RouterFences(
            ReadYourWrites readYourWrites, RouterMetrics metrics, LocalBackends backends, boolean severalPrimaries) {
        this.readYourWrites = readYourWrites;
        this.metrics = metrics;
        this.backends = backends;
        this.severalPrimaries = severalPrimaries;
    }

    /** Whether fences concern this read at all (by route; the fences themselves are looked at later). */
    boolean concerns(RouteMatch match) {
        return readYourWrites != null
                && switch (match.routeId()) {
                    case MANIFEST_READ, BLOB_READ, TAGS_LIST, REFERRERS -> true;
                    case CATALOG -> !severalPrimaries;
                    default -> false;
                };
    }

    /**
     * Whether the referrers correction of this read may block ({@link #referrers}: the fences are
     * read, a database query at least); the pin check never needs the caller's thread to block
     * ({@link #whenPinnedKnown}).
     */
    boolean mayBlock(RouteMatch match) {
        return match.routeId() == RouteId.REFERRERS && concerns(match);
    }

    /** What a read does once it knows whether a fence pins it; may throw, which fails the request. */
    interface PinnedAction {
        void then(boolean pinned) throws Exception;
    }

    /**
     * Finds whether a fence pins this read to the primary, and then runs {@code action}, whose
     * failure fails {@code callback}. With a trusted fence lease ({@link
     * ReadYourWrites#trustedGeneration}) the fence view is checked in memory and, when it clears
     * the read — the usual case — {@code action} runs at once on the caller's thread. Otherwise
     * the generation query is waited for without a thread ({@link ReadYourWrites#generation});
     * when the fence view then clears the read {@code action} runs on the query's thread. When a
     * fence may pin the read it runs on a virtual thread, which checks the fences against the
     * table and the replica as {@link #pinned} does. Without a fence that concerns the read it
     * runs at once on the caller's thread. Non-blocking.
     */
    void whenPinnedKnown(Request request, RouteMatch match, Callback callback, PinnedAction action) {
        FencedRead read = fencedRead(request, match);
        if (read == null) {
            run(action, false, callback);
            return;
        }
        long trusted = readYourWrites.trustedGeneration();
        if (trusted >= 0) {
            metrics.fenceChecked(RouterMetrics.FenceCheck.MEMORY);
            decide(request, match, read, trusted, callback, action);
            return;
        }
        if (!readYourWrites.viewLive()) {
            metrics.fenceChecked(RouterMetrics.FenceCheck.TABLE);
            Thread.ofVirtual().name("router-blocking").start(() -> run(action, pinned(request, match), callback));
            return;
        }
        metrics.fenceChecked(RouterMetrics.FenceCheck.QUERY);
        readYourWrites.generation().whenComplete((generation, failure) -> {
            if (failure == null) {
                decide(request, match, read, generation, callback, action);
            } else {
                Thread.ofVirtual().name("router-blocking").start(() -> run(action, pinned(request, match), callback));
            }
        });
    }

    /** With the view covering {@code generation}: cleared in memory, or checked on a virtual thread. */
    private void decide(
            Request request,
            RouteMatch match,
            FencedRead read,
            long generation,
            Callback callback,
            PinnedAction action) {
        if (readYourWrites.clearInView(read, generation)) {
            run(action, false, callback);
        } else {
            Thread.ofVirtual()
                    .name("router-blocking")
                    .start(() -> run(action, pinned(request, match, read, generation), callback));
        }
    }

    private static void run(PinnedAction action, boolean pinned, Callback callback) {
        try {
            action.then(pinned);
        } catch (Throwable e) {
            callback.failed(e);
        }
    }

    /** Whether a fence pins this read to the primary; blocking. */
    boolean pinned(Request request, RouteMatch match) {
        FencedRead read = fencedRead(request, match);
        return read != null && pinned(request, match, read, null);
    }

    /** The read as fences see it; null when none can pin it. */
    private FencedRead fencedRead(Request request, RouteMatch match) {
        FencedRead read = concerns(match) ? readOf(match) : null;
        if (read == null
                || (read instanceof FencedRead.TagsList
                        && FencedTagsPage.refusedByReplica(request.getHttpURI().getQuery()))) {
            return null;
        }
        return read;
    }

    /** @param generation the fence generation read since the request began, or null to read it now */
    private boolean pinned(Request request, RouteMatch match, FencedRead read, Long generation) {
        try {
            return generation == null
                    ? readYourWrites.pinned(read, request.getHeaders())
                    : readYourWrites.pinned(read, request.getHeaders(), generation);
        } catch (RuntimeException e) {
            metrics.fenceError();
            LOG.warn(
                    "cannot check write fences of {} {}:{}, reading from the primary",
                    match.routeId(),
                    match.repository(),
                    match.reference(),
                    e);
            return true;
        }
    }

    /**
     * The decision on the replica's answer to a referrers read: corrected with the repository's
     * fences when it has any that concern the subject, else just {@code fallback}.
     */
    ReplicaDecision referrers(
            Request request, Response response, Callback callback, RouteMatch match, FallbackToPrimary fallback) {
        if (readYourWrites == null) {
            return fallback;
        }
        List<Fence> corrections;
        try {
            corrections = readYourWrites.referrerCorrections(match.repository(), match.reference());
        } catch (RuntimeException e) {
            metrics.fenceError();
            LOG.warn(
                    "cannot read write fences of {}, referrers of {} answered uncorrected",
                    match.repository(),
                    match.reference(),
                    e);
            return fallback;
        }
        if (corrections.isEmpty()) {
            return fallback;
        }
        String artifactType = queryParameter(request.getHttpURI().getQuery(), "artifactType");
        return new ReferrersCorrection(readYourWrites, corrections, artifactType, fallback, response, callback);
    }

    /** Whether preparing this write's fences may block: a delete reads the replica's delete generation first. */
    boolean writeMayBlock(RouteMatch match) {
        return readYourWrites != null
                && switch (match.routeId()) {
                    case MANIFEST_WRITE, BLOB_DELETE -> true;
                    default -> false;
                };
    }

    /**
     * What holds the primary's answer to this write until its fences are recorded; NONE when it
     * needs none. Blocking for a delete ({@link #writeMayBlock}): before it goes to the primary,
     * the replica's delete generation is read, which the delete's fence has to be outrun by.
     */
    ResponseInterceptor onWrite(Request request, Response response, RouteMatch match) {
        if (readYourWrites == null) {
            return ResponseInterceptor.NONE;
        }
        return switch (match.routeId()) {
            case MANIFEST_WRITE, BLOB_DELETE ->
                new FenceOnWrite(
                        readYourWrites,
                        metrics,
                        backends,
                        match,
                        request,
                        response,
                        "DELETE".equals(request.getMethod()) ? replicaDeleteGeneration(match) : 0);
            default -> ResponseInterceptor.NONE;
        };
    }

    /**
     * The replica's delete generation before a delete goes to the primary; 0 (any tombstone of the
     * target then shows the delete applied) while the tracking database cannot tell.
     */
    private long replicaDeleteGeneration(RouteMatch match) {
        if (!backends.databaseUp()) {
            return 0;
        }
        try {
            return readYourWrites.replicaDeleteGeneration();
        } catch (RuntimeException e) {
            metrics.fenceError();
            LOG.warn(
                    "cannot read the replica's delete generation before deleting {}:{}; its fence will"
                            + " take any tombstone of it as the delete applied",
                    match.repository(),
                    match.reference(),
                    e);
            return 0;
        }
    }

    private static FencedRead readOf(RouteMatch match) {
        return switch (match.routeId()) {
            case MANIFEST_READ -> FencedRead.manifest(match.repository(), match.reference());
            case BLOB_READ -> new FencedRead.Blob(match.repository(), match.reference());
            case TAGS_LIST -> new FencedRead.TagsList(match.repository());
            case CATALOG -> new FencedRead.Catalog();
            default -> null;
        };
    }

    /** A query parameter's decoded value, null when absent. */
    static String queryParameter(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
