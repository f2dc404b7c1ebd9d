package io.georeg.ops;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long a client of a public listener (the router's, registry-read's, the replicator's intake)
 * may take, so that slow clients cannot hold connections: Jetty bounds silence (the idle timeout)
 * but not a client that trickles its request a byte at a time, each byte resetting the idle
 * timeout: its headers (slowloris) or its body (a slow POST). {@link #applyTo} sets the connector's
 * idle timeout and adds a {@link HeaderDeadline} that closes a connection whose request has begun
 * but whose headers are not complete within {@code headers}; {@link #guardBodies} puts a
 * {@link MinimumBodyRate} in front of the listener's handlers, which fails the reading of a
 * request body that the client sends at less than {@code minBodyRate}. Nothing else is affected: other connections, requests whose headers arrived and whose body
 * keeps coming, responses, and idle keep-alive connections (the idle timeout's).
 *
 * @param headers     how long a request may take from its first byte to the end of its headers
 * @param idle        how long a client connection may be silent, between requests or within one
 * @param minBodyRate the least average rate, in bytes per second, at which a request body must
 *                    arrive; 0 turns the check off
 */
public record ClientDeadlines(Duration headers, Duration idle, long minBodyRate) {
    /** Headers arrive in one packet from any real client; ten seconds leaves room for a slow link. */
    public static final Duration DEFAULT_HEADERS = Duration.ofSeconds(10);

    /** Jetty's own idle timeout, which registry-read and the intake had before it was a setting. */
    public static final Duration DEFAULT_IDLE = Duration.ofSeconds(30);

    /**
     * 1 KiB/s, several times below a 56k modem, so no real upload comes near it, while a body
     * trickled a byte every few seconds (which the idle timeout never ends) is cut at its next byte.
     */
    public static final long DEFAULT_MIN_BODY_RATE = 1024;

    /** With the default body rate. */
    public ClientDeadlines(Duration headers, Duration idle) {
        this(headers, idle, DEFAULT_MIN_BODY_RATE);
    }

    public static ClientDeadlines defaults() {
        return new ClientDeadlines(DEFAULT_HEADERS, DEFAULT_IDLE, DEFAULT_MIN_BODY_RATE);
    }

    /** Every problem, each naming its key below {@code prefix} (e.g. {@code registryRead.clients}). */
    public List<String> problems(String prefix) {
        List<String> problems = new ArrayList<>();
        if (headers == null || headers.toMillis() < 100) {
            problems.add(prefix + ".headers must be a duration of at least 100ms, e.g. 10s (got " + headers + ")");
        }
        if (idle == null || idle.toMillis() < 100) {
            problems.add(prefix + ".idle must be a duration of at least 100ms, e.g. 30s (got " + idle + ")");
        }
        if (minBodyRate < 0) {
            problems.add(prefix + ".minBodyRate must be 0 (off) or a rate in bytes per second, e.g. "
                    + DEFAULT_MIN_BODY_RATE + " (got " + minBodyRate + ")");
        }
        return problems;
    }

    /** Sets the connector's idle timeout and guards its request headers; call before the server starts. */
    public void applyTo(ServerConnector connector) {
        connector.setIdleTimeout(idle.toMillis());
        connector.addBean(new HeaderDeadline(connector, headers));
    }

    /**
     * {@code handler} behind the body-rate check (reading a body the client sends slower than
     * {@code minBodyRate} fails with a {@link BodyTooSlowException}); {@code handler} itself when the
     * check is off. Responses are not rate-checked: a slow reader of a large blob is bounded by the
     * idle timeout and its TCP window.
     */
    public Handler guardBodies(Handler handler) {
        return minBodyRate > 0 ? new MinimumBodyRate(handler, minBodyRate) : handler;
    }

    /**
     * Looks at the connector's connections a few times per deadline: a connection whose HTTP parser
     * is inside a request's headers for longer than the deadline is closed. Started and stopped with
     * the connector (a bean of it).
     */
    static final class HeaderDeadline extends AbstractLifeCycle {
        private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadline.class);

        private final ServerConnector connector;
        private final Duration deadline;
        private final long sweepMillis;
        /** When each connection was first seen inside a request's headers. */
        private final Map<EndPoint, Long> inHeadersSince = new ConcurrentHashMap<>();

        private volatile Scheduler.Task next;

        HeaderDeadline(ServerConnector connector, Duration deadline) {
            this.connector = connector;
            this.deadline = deadline;
            this.sweepMillis = Math.max(50, Math.min(1000, deadline.toMillis() / 4));
        }

        @Override
        protected void doStart() {
            schedule();
        }

        @Override
        protected void doStop() {
            Scheduler.Task task = next;
            if (task != null) {
                task.cancel();
            }
            inHeadersSince.clear();
        }

        private void schedule() {
            if (isRunning() || isStarting()) {
                next = connector.getScheduler().schedule(this::sweep, sweepMillis, TimeUnit.MILLISECONDS);
            }
        }

        private void sweep() {
            try {
                long now = System.nanoTime();
                Collection<EndPoint> endPoints = connector.getConnectedEndPoints();
                inHeadersSince.keySet().retainAll(endPoints);
                for (EndPoint endPoint : endPoints) {
                    if (!(endPoint.getConnection() instanceof HttpConnection http) || !inHeaders(http.getParser())) {
                        inHeadersSince.remove(endPoint);
                        continue;
                    }
                    long since = inHeadersSince.computeIfAbsent(endPoint, e -> now);
                    if (now - since > deadline.toNanos()) {
                        inHeadersSince.remove(endPoint);
                        LOG.info(
                                "closing the connection of {}: request headers not complete within {}",
                                endPoint.getRemoteSocketAddress(),
                                deadline);
                        endPoint.close(new TimeoutException("request headers not complete within " + deadline));
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("header deadline sweep failed", e);
            } finally {
                schedule();
            }
        }

        /** A request has begun (the parser left its start state) and its headers are not complete. */
        private static boolean inHeaders(HttpParser parser) {
            return parser.inHeaderState() && !parser.isStart();
        }
    }
}
