package io.georeg.router;

import io.georeg.router.proxy.StreamingProxy;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.MDC;

/**
 * The outermost wrapper: gives each request an id (kept from the client's {@code X-Request-Id}
 * when it is a sane token, else this process's random prefix and a counter: unique without a
 * {@code SecureRandom} draw per request), echoes it in the response, and hands one access log
 * line per completed request that {@link AccessLog} wants (all, sampled with every refusal and
 * failure, or none) to it: request
 * id, method, path, route id, destination, with several primaries the primary whose legs took it
 * ({@code primary=}, docs/cells.md), fallback flag, status, bytes, milliseconds, client, and
 * how the answer ended ({@code outcome}): {@code complete}; {@code aborted}, the status and part of
 * the body sent and then the connection closed (an upstream cut mid-body, a client gone), so that
 * a truncated 200 does not read as a whole one, with the {@code Content-Length} the client was
 * promised as {@code length} beside the {@code bytes} it got (no {@code length} when the answer was
 * chunked: nothing was promised); {@code failed}, nothing sent before
 * the failure, Jetty's error answer follows. A failure's text is cut to {@value #FAILURE_CHARS}
 * characters (Jetty's I/O exceptions carry a dump of the connection's state); the method to
 * {@value #METHOD_CHARS} and the path to {@value #PATH_CHARS}, each marked with {@code …} when cut:
 * both are the client's, up to the header limit long (a refused junk method of 16 KiB made a line
 * of 16 KiB).
 * The line is built with one {@link StringBuilder}, not SLF4J's placeholder formatting, and only
 * for a request that is logged: it is on every request's path. Its fields go with it, so the
 * writer puts them in the MDC ({@value #MDC_REQUEST_ID}, {@value #MDC_ROUTE}, {@value
 * #MDC_DESTINATION}, {@value #MDC_PRIMARY} with several primaries, {@value #MDC_FALLBACK}) of the line's event, for the JSON log format; the
 * request id is in the MDC while the request is handled on the thread that accepted it, so that
 * what is logged there names its request.
 */
final class AccessLogHandler extends Handler.Wrapper {
    static final String MDC_REQUEST_ID = "requestId";
    static final String MDC_ROUTE = "route";
    static final String MDC_DESTINATION = "destination";
    static final String MDC_PRIMARY = "primary";
    static final String MDC_FALLBACK = "fallback";
    static final int FAILURE_CHARS = 200;
    /** Longer than any method of the registry API; a longer one is refused (RouteTable.API_METHODS). */
    static final int METHOD_CHARS = 16;
    /** A repository path of PathGrammar's longest name and a digest reference fit in it. */
    static final int PATH_CHARS = 512;

    private static final String ID_PREFIX =
            Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36) + "-";
    private final AtomicLong ids = new AtomicLong();
    private final AccessLog accessLog;

    AccessLogHandler(AccessLog accessLog, Handler handler) {
        super(handler);
        this.accessLog = accessLog;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String offered = request.getHeaders().get(StreamingProxy.REQUEST_ID);
        String id = offered != null && sane(offered) ? offered : ID_PREFIX + Long.toString(ids.incrementAndGet(), 36);
        RequestRecord record = new RequestRecord(id);
        request.setAttribute(RequestRecord.ATTRIBUTE, record);
        response.getHeaders().put(StreamingProxy.REQUEST_ID, id);
        long start = System.nanoTime();
        Callback logged = new Callback() {
            @Override
            public void succeeded() {
                log(request, response, record, start, null);
                callback.succeeded();
            }

            @Override
            public void failed(Throwable failure) {
                log(request, response, record, start, failure);
                callback.failed(failure);
            }

            @Override
            public InvocationType getInvocationType() {
                return callback.getInvocationType();
            }
        };
        try (MDC.MDCCloseable ignored = MDC.putCloseable(MDC_REQUEST_ID, id)) {
            return super.handle(request, response, logged);
        }
    }

    /** {@code [A-Za-z0-9._:-]{1,128}}, without a regex on every request. */
    static boolean sane(String id) {
        int n = id.length();
        if (n == 0 || n > 128) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '_'
                    || c == ':'
                    || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private void log(Request request, Response response, RequestRecord record, long start, Throwable failure) {
        if (!accessLog.wants(request.getMethod(), response.getStatus(), failure != null)) {
            return;
        }
        boolean aborted = failure != null && response.isCommitted();
        StringBuilder line =
                new StringBuilder(192).append("id=").append(record.requestId()).append(" method=");
        appendCut(line, request.getMethod(), METHOD_CHARS);
        line.append(" path=");
        appendCut(line, request.getHttpURI().getPath(), PATH_CHARS);
        line.append(" route=").append(record.routeId()).append(" destination=").append(record.destination());
        String primary = record.primary();
        if (primary != null) {
            line.append(" primary=").append(primary);
        }
        line.append(" fallback=")
                .append(record.fallback())
                .append(" status=")
                .append(response.getStatus())
                .append(" bytes=")
                .append(Response.getContentBytesWritten(response))
                .append(" ms=")
                .append((System.nanoTime() - start) / 1_000_000)
                .append(" client=")
                .append(Request.getRemoteAddr(request))
                .append(" outcome=")
                .append(failure == null ? "complete" : aborted ? "aborted" : "failed");
        if (aborted) {
            long promised = response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
            if (promised >= 0) {
                line.append(" length=").append(promised);
            }
        }
        if (failure != null) {
            line.append(" failure=");
            appendQuoted(line, failure.toString());
        }
        accessLog.write(new AccessLog.Entry(
                line.toString(),
                record.requestId(),
                record.routeId(),
                record.destination(),
                primary,
                record.fallback()));
    }

    /** {@code text}, or its first {@code max} characters and {@code …} when it is longer. */
    static void appendCut(StringBuilder line, String text, int max) {
        if (text == null) {
            line.append('-');
        } else if (text.length() <= max) {
            line.append(text);
        } else {
            line.append(text, 0, max).append('…');
        }
    }

    /**
     * {@code text} as one double-quoted value of at most {@value #FAILURE_CHARS} characters: a quote
     * or backslash escaped and a control character (a line break above all) written as a space, so
     * that an exception's text — which can carry bytes a client or upstream sent — neither ends the
     * value early for a key=value parser nor starts a forged line of its own.
     */
    static void appendQuoted(StringBuilder line, String text) {
        line.append('"');
        int end = Math.min(text.length(), FAILURE_CHARS);
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                line.append('\\').append(c);
            } else {
                line.append(Character.isISOControl(c) ? ' ' : c);
            }
        }
        line.append(text.length() > FAILURE_CHARS ? "…\"" : "\"");
    }
}
