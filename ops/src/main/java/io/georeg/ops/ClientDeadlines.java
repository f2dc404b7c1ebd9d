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
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long a client of a public listener (the router's, registry-read's, the replicator's intake)
 * may take, so that slow clients cannot hold connections: Jetty bounds silence (the idle timeout)
 * but not a client that trickles its request headers a byte at a time (slowloris), which keeps a
 * connection alive for as long as it likes. {@link #applyTo} sets the connector's idle timeout and
 * adds a {@link HeaderDeadline} that closes a connection whose request has begun but whose headers
 * are not complete within {@code headers}. Nothing else is affected: other connections, requests
 * whose headers arrived, and idle keep-alive connections (the idle timeout's).
 *
 * @param headers how long a request may take from its first byte to the end of its headers
 * @param idle    how long a client connection may be silent, between requests or within one
 */
public record ClientDeadlines(Duration headers, Duration idle) {
    /** Headers arrive in one packet from any real client; ten seconds leaves room for a slow link. */
    public static final Duration DEFAULT_HEADERS = Duration.ofSeconds(10);

    /** Jetty's own idle timeout, which registry-read and the intake had before it was a setting. */
    public static final Duration DEFAULT_IDLE = Duration.ofSeconds(30);

    public static ClientDeadlines defaults() {
        return new ClientDeadlines(DEFAULT_HEADERS, DEFAULT_IDLE);
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
        return problems;
    }

    /** Sets the connector's idle timeout and guards its request headers; call before the server starts. */
    public void applyTo(ServerConnector connector) {
        connector.setIdleTimeout(idle.toMillis());
        connector.addBean(new HeaderDeadline(connector, headers));
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
