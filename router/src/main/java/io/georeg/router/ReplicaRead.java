package io.georeg.router;

import io.georeg.oci.Digest;
import io.georeg.oci.ErrorCode;
import io.georeg.router.RouterMetrics.FallbackOutcome;
import io.georeg.router.fallback.FallbackToPrimary;
import io.georeg.router.fallback.MissReport;
import io.georeg.router.fallback.ReferrersFromPrimary;
import io.georeg.router.fallback.ReplicaMissListener;
import io.georeg.router.fallback.StoredTagLookup;
import io.georeg.router.proxy.OciErrorResponse;
import io.georeg.router.proxy.ResponseInterceptor;
import io.georeg.router.route.RouteId;
import io.georeg.router.route.RouteMatch;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leg of the {@code REPLICA} routes (pulls), in the order a read goes:
 * <ol>
 * <li>while the replica is no replica of this primary ({@code replicaBypassed}: the tracking
 *     database is bound to another primary, after a promotion whether or not
 *     {@code router.primaryUrl} was set to the new one since, or has not caught up with it since
 *     {@code georeg primaries --adopt}) and the primary is up, the primary answers
 *     ({@code primary}): the new primary's pushes and deletes never reach the tracking database,
 *     and once their read-your-writes fences end the replica would serve a tag's old image, or a
 *     deleted one;</li>
 * <li>while the primary is down, an answer about a tag is marked {@code X-Georeg-Possibly-Stale}
 *     (the tag may have moved on the primary since), and a miss of the replica is answered
 *     {@code 503 UNAVAILABLE} saying it is not replicated and the primary is unreachable, not with
 *     the replica's 404 ({@link Read#missNotAskedOfPrimary}); so is a miss of a read that comes
 *     with one of this site's outage tokens while the primary's registry is up but its token
 *     service is not: the primary refuses that token, and the client cannot get another;</li>
 * <li>while the replica cannot serve — its circuit is open (its probe of registry-read's readiness
 *     failed: registry-read, its database or its storage is unavailable) or the tracking database
 *     is — and the primary is up, the primary answers ({@code primary-fallback}) without a fence
 *     check: the primary is current, and the fence table may be what is down;</li>
 * <li>while the primary is up, a read that a read-your-writes fence pins goes to the primary
 *     ({@code primary-fenced}; a tags list cut to the page asked for, {@link FencedTagsPage});</li>
 * <li>in the two cases above, and in the first (the replica bypassed after a promotion), a read
 *     with one of this site's outage tokens while the primary's token service is down is answered
 *     {@code 503 UNAVAILABLE} saying why the replica cannot answer it instead
 *     ({@link Read#notAskedOfPrimary}), as a miss is: the primary refuses the token. The three go
 *     to the primary through one step that decides it ({@link #toPrimary});</li>
 * <li>otherwise the replica answers — a referrers list corrected with the fences of writes it
 *     does not show yet ({@link ReferrersCorrection}) — and a miss (404 not-replicated, a 5xx of
 *     its backends, an unreachable replica, or no answer within the budget while the primary is
 *     up, a referrers list excepted: {@link #budget}) falls back to the primary
 *     ({@link FallbackToPrimary}), whose 200 is reported to the {@link ReplicaMissListener}
 *     (cache on miss) with what the primary stores, not what this client negotiated
 *     ({@link MissReport}); a referrers list the primary answers 404 (it lacks the API) becomes a
 *     503 ({@link ReferrersFromPrimary}), unless the primary names the repository unknown (for a
 *     HEAD, in its answer to a GET of the same list).</li>
 * </ol>
 */
final class ReplicaRead implements RouteLeg {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaRead.class);

    private final ReplicaSite replica;
    private final PrimarySite primary;
    private final RouterFences fences;
    private final RouterMetrics metrics;
    private final ReplicaMissListener missListener;
    private final StoredTagLookup storedTags;
    private final LocalBackends backends;
    private final BooleanSupplier replicaBypassed;
    private final Predicate<String> outageTokens;

    /**
     * @param replicaBypassed whether the replica holds another primary than this leg's now, or has
     *                        not caught up with it ({@code ReplicaBinding}): a promotion switched the
     *                        primary, or {@code router.primaryUrl} was set to the new one after it
     * @param outageTokens    whether an {@code Authorization} header carries one of this site's
     *                        outage tokens ({@link io.georeg.router.outage.TokenShield#carriesOutageToken}),
     *                        which the primary refuses, while the shield stands in for the token
     *                        service (the client cannot get one the primary accepts)
     */
    ReplicaRead(
            ReplicaSite replica,
            PrimarySite primary,
            RouterFences fences,
            RouterMetrics metrics,
            ReplicaMissListener missListener,
            StoredTagLookup storedTags,
            LocalBackends backends,
            BooleanSupplier replicaBypassed,
            Predicate<String> outageTokens) {
        this.outageTokens = outageTokens;
        this.backends = backends;
        this.replicaBypassed = replicaBypassed;
        this.replica = replica;
        this.primary = primary;
        this.fences = fences;
        this.metrics = metrics;
        this.missListener = missListener;
        this.storedTags = storedTags;
    }

    /**
     * A referrers correction blocks; the pin check of a read never needs a thread of its own while
     * the fence view clears it ({@link RouterFences#whenPinnedKnown}), and registry-read in process,
     * which blocks, gets one once the read is known to go there ({@link #toReplica}).
     */
    @Override
    public boolean mayBlock(RouteMatch match) {
        return fences.mayBlock(match);
    }

    /** Whether the replica cannot serve reads now: its circuit is open or the tracking database is unavailable. */
    private boolean replicaUnavailable() {
        return replica.isDown() || !backends.databaseUp();
    }

    @Override
    public void answer(Request request, Response response, Callback callback, RequestRecord record, RouteMatch match)
            throws Exception {
        boolean primaryDown = primary.isDown();
        if (primaryDown && readsATag(match)) {
            response.getHeaders().put(GeoregHeaders.POSSIBLY_STALE, "true");
        }
        Read read = new Read(request, response, callback, record, match);
        if (!primaryDown && replicaBypassed.getAsBoolean()) {
            // No fence check either: the primary is current for every read, fenced or not. The
            // replica holds another primary's content: its answer must not stand in either.
            metrics.routed(record, match, "primary");
            toPrimary(
                    read,
                    ReplicaState.unavailable("replica bypassed after the primary was switched"),
                    false,
                    () -> primary.sendRead(
                            request, response, callback, record, "primary", ResponseInterceptor.NONE, read));
            return;
        }
        if (!primaryDown && replicaUnavailable()) {
            metrics.routed(record, match, "replica");
            String reason = replica.isDown() ? "replica circuit open" : "tracking database unavailable";
            ReplicaState unavailable = ReplicaState.unavailable(reason);
            toPrimary(read, unavailable, true, () -> read.fallBack(reason, unavailable));
            return;
        }
        if (primaryDown) {
            toReplica(read, true);
        } else if (mayBlock(match)) {
            // Already on a thread of its own.
            pinnedOrReplica(read, fences.pinned(request, match));
        } else {
            fences.whenPinnedKnown(request, match, callback, pinned -> pinnedOrReplica(read, pinned));
        }
    }

    /**
     * What the replica is to a read it does not answer, in the words its 503 says after what was
     * asked, and whether the replica serves the rest of what this site replicated meanwhile (the
     * 503 then says so).
     */
    private record ReplicaState(String words, boolean servesTheRest) {
        /** The replica missed it. */
        static final ReplicaState NOT_REPLICATED =
                new ReplicaState("is not replicated to this site (yet, or it does not exist)", true);

        /** A read-your-writes fence pins it: the replica's older answer must not stand in for the primary's. */
        static final ReplicaState FENCED =
                new ReplicaState("was written through this site and its replica does not show that yet", true);

        /** The replica cannot answer any read now ({@code reason}): one wording for every such case. */
        static ReplicaState unavailable(String reason) {
            return new ReplicaState("cannot be read from this site's replica now (" + reason + ")", false);
        }
    }

    /**
     * A read only the primary may answer now ({@code replicaState} says why the replica may not:
     * it holds another primary's content, cannot serve, or does not show a write the read must
     * see): {@code send} sends it there, unless the primary refuses the client's token
     * ({@link Read#primaryRefusesTheToken}). Then the client gets the 503 of a read not asked of
     * the primary, saying why ({@link Read#notAskedOfPrimary}). A read routed to the replica that
     * falls back from it without asking it ({@code fallback}: the replica is unavailable) counts
     * that 503 as the fallback's outcome, as it counts one that reaches the primary
     * ({@link Read#fallBack}).
     */
    private void toPrimary(Read read, ReplicaState replicaState, boolean fallback, Runnable send) {
        if (!read.primaryRefusesTheToken()) {
            send.run();
            return;
        }
        if (fallback) {
            metrics.fallback(read.match.routeId(), read.notAskedOutcome());
        }
        read.notAskedOfPrimary(replicaState);
    }

    private void pinnedOrReplica(Read read, boolean pinned) throws Exception {
        if (pinned) {
            // Read-your-writes: the replica's older answer must not stand in for the primary's.
            metrics.routed(read.record, read.match, "primary-fenced");
            toPrimary(
                    read,
                    ReplicaState.FENCED,
                    false,
                    () -> primary.sendRead(
                            read.request,
                            read.response,
                            read.callback,
                            read.record,
                            "primary-fenced",
                            read.match.routeId() == RouteId.TAGS_LIST
                                    ? FencedTagsPage.of(
                                            read.match.repository(),
                                            read.request.getHttpURI().getQuery(),
                                            read.response,
                                            read.callback)
                                    : ResponseInterceptor.NONE,
                            read));
            return;
        }
        toReplica(read, false);
    }

    private void toReplica(Read read, boolean primaryDown) throws Exception {
        if (replica.inProcess() && !Thread.currentThread().isVirtual()) {
            // registry-read in process blocks: not on a selector's, the server pool's or the
            // generation query's thread. A virtual thread started only now, once the pin check is
            // done, instead of one the pin check parks on while the query runs: one thread
            // hand-off less per served read (the query's thread would otherwise have to wake it).
            Thread.ofVirtual().name("router-blocking").start(() -> {
                try {
                    toReplica(read, primaryDown);
                } catch (Throwable e) {
                    read.callback.failed(e);
                }
            });
            return;
        }
        if (read.primaryLost) {
            read.record.fellBack("replica"); // counted as routed where it went first
        } else {
            metrics.routed(read.record, read.match, "replica");
        }
        read.response.getHeaders().put(GeoregHeaders.SOURCE, "replica");
        FallbackToPrimary fallback = new FallbackToPrimary(primary.circuit(), read);
        replica.send(
                read.request,
                read.response,
                read.callback,
                read.record,
                read.match.routeId() == RouteId.REFERRERS
                        ? fences.referrers(read.request, read.response, read.callback, read.match, fallback)
                        : fallback,
                budget(read.match, primaryDown));
    }

    /**
     * How long the replica may take to start answering before the primary does: only while the
     * primary can take over. During its outage the replica is all there is; and a referrers list
     * only the replica may be able to give (the primary may lack the API: distribution 2.8 answers
     * 404, which tells a client there are no referrers at all, those pushed through this router
     * and listed already included), so it is awaited too. A replica that fails or misses still
     * falls back to the primary.
     */
    private Duration budget(RouteMatch match, boolean primaryDown) {
        return primaryDown || match.routeId() == RouteId.REFERRERS ? null : backends.replicaBudget();
    }

    private static boolean readsATag(RouteMatch match) {
        return match.routeId() == RouteId.TAGS_LIST
                || (match.routeId() == RouteId.MANIFEST_READ && !Digest.looksLikeDigest(match.reference()));
    }

    /**
     * One read in flight, passed whole from the pin check to the leg that answers it; a miss is
     * answered from the primary, or counted when the primary is down too. Sent to the primary, and
     * the primary found down before it answered ({@link PrimarySite#sendRead}), it is answered as a
     * read routed then: by the replica, marked possibly stale when it reads a tag, and a miss there
     * with the outage 503 ({@link #missNotAskedOfPrimary}; at once when the read went to the primary
     * because the replica missed it, or cannot serve now and was not asked, the 503 saying which:
     * {@link #fallBack}); so is a read whose referrers list the
     * primary was re-asked ({@link ReferrersFromPrimary}). Counted as
     * {@code fallbacks_total{outcome="primary-lost"}}, and in the access log as a fallback to the
     * replica.
     */
    private final class Read implements FallbackToPrimary.Actions, Runnable {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final RequestRecord record;
        private final RouteMatch match;
        /** The primary was found down before it answered: the replica answers instead. */
        private volatile boolean primaryLost;
        /**
         * Why the replica did not serve this read, once it was sent to the primary for that reason
         * ({@link #fallBack}): it missed it or could not answer, or it cannot serve now and was not
         * asked. Null while the replica may yet answer.
         */
        private volatile ReplicaState replicaDidNot;

        Read(Request request, Response response, Callback callback, RequestRecord record, RouteMatch match) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.record = record;
            this.match = match;
        }

        @Override
        public void fallBack(String reason) {
            fallBack(reason, ReplicaState.NOT_REPLICATED);
        }

        /**
         * As {@link #fallBack(String)}; {@code replicaState} is what the read's 503 says of the
         * replica if the primary is found down before it answered ({@link #run}).
         */
        void fallBack(String reason, ReplicaState replicaState) {
            LOG.debug(
                    "{} {}: {}, answering from the primary",
                    record.requestId(),
                    request.getHttpURI().getPath(),
                    reason);
            record.fellBack("primary-fallback");
            metrics.fallback(match.routeId(), FallbackOutcome.PRIMARY);
            replicaDidNot = replicaState;
            ResponseInterceptor missReport = new MissReport(
                    missListener, storedTags, match, request.getHeaders().getValuesList(HttpHeader.AUTHORIZATION));
            primary.sendRead(
                    request,
                    response,
                    callback,
                    record,
                    "primary-fallback",
                    match.routeId() == RouteId.REFERRERS
                            ? new ReferrersFromPrimary(
                                    missReport, response, callback, () -> primary.ask(request, record, "GET"), this)
                            : missReport,
                    this);
        }

        /** The primary was found down before it answered this read (see the class comment). */
        @Override
        public void run() {
            LOG.debug(
                    "{} {}: the primary was found down before it answered, answering from the replica",
                    record.requestId(),
                    request.getHttpURI().getPath());
            primaryLost = true;
            metrics.fallback(match.routeId(), FallbackOutcome.PRIMARY_LOST);
            if (readsATag(match)) {
                response.getHeaders().put(GeoregHeaders.POSSIBLY_STALE, "true");
            }
            ReplicaState replicaState = replicaDidNot;
            if (replicaState != null) {
                // The replica was asked already and missed (asked again, which an in-process
                // dispatch of the same request cannot be, it would miss again), or it cannot serve
                // now: answered at once, as its miss is now, saying which.
                response.getHeaders().put(GeoregHeaders.SOURCE, "replica");
                notServed(replicaState);
                return;
            }
            try {
                toReplica(this, true);
            } catch (Throwable e) {
                callback.failed(e);
            }
        }

        @Override
        public void failureNotAskedOfPrimary() {
            metrics.fallback(match.routeId(), notAskedOutcome());
        }

        /** The fallback outcome of a read the primary was not asked: it is down, or it refuses the client's token. */
        FallbackOutcome notAskedOutcome() {
            return primary.isDown() ? FallbackOutcome.PRIMARY_UNREACHABLE : FallbackOutcome.OUTAGE_TOKEN;
        }

        @Override
        public boolean primaryRefusesTheToken() {
            return outageTokens.test(request.getHeaders().get(HttpHeader.AUTHORIZATION));
        }

        /**
         * A 503 instead of the replica's 404: this site cannot know whether what it lacks exists,
         * and a 404 ({@code NAME_UNKNOWN} "repository name not known to registry") would tell a
         * node the image is gone.
         */
        @Override
        public void missNotAskedOfPrimary() {
            notServed(ReplicaState.NOT_REPLICATED);
        }

        /**
         * A read neither the replica ({@code replicaState}) nor the primary (down, or refusing the
         * client's token) answers: counted, and its 503 says why.
         */
        private void notServed(ReplicaState replicaState) {
            metrics.fallback(match.routeId(), notAskedOutcome());
            if (primary.isDown()) {
                unavailable(
                        replicaState,
                        "the primary site that would have it is unreachable ("
                                + primary.circuit().lastFailure() + "): retry once the primary is back");
            } else {
                notAskedOfPrimary(replicaState);
            }
        }

        /**
         * The 503 of a read only the primary can answer now, which refuses the client's token (one
         * of this site's outage tokens): {@code replicaState} says why the replica cannot. Sending it there
         * would bring the client the primary's 401, a new outage token from the router, and the
         * same 401 again until the client gives up saying the credentials are wrong.
         */
        void notAskedOfPrimary(ReplicaState replicaState) {
            unavailable(
                    replicaState,
                    "the primary cannot be asked with this site's outage token, issued while the primary's"
                            + " token service is unreachable: retry once the token service is back");
        }

        /**
         * {@code 503 UNAVAILABLE}: what was asked, what the replica is to it ({@code replicaState}),
         * {@code why} the primary was not asked, and that the rest is still served when it is.
         */
        private void unavailable(ReplicaState replicaState, String why) {
            String what = match.reference() == null
                    ? "repository " + match.repository()
                    : match.repository() + (Digest.looksLikeDigest(match.reference()) ? "@" : ":") + match.reference();
            OciErrorResponse.send(
                    response,
                    callback,
                    ErrorCode.UNAVAILABLE,
                    what + " " + replicaState.words() + ", and " + why
                            + (replicaState.servesTheRest() ? "; what this site replicated is still served" : ""));
        }
    }
}
