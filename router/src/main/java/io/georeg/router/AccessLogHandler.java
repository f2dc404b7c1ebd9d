package io.georeg.router;

import io.georeg.router.proxy.StreamingProxy;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outermost wrapper: gives each request an id (kept from the client's {@code X-Request-Id}
 * when it is a sane token, else a new UUID), echoes it in the response, and writes one access
 * log line per completed request to the logger {@code io.georeg.router.access}: request id,
 * method, path, route id, destination, fallback flag, status, bytes, milliseconds, client.
 */
final class AccessLogHandler extends Handler.Wrapper {
    private static final Logger ACCESS = LoggerFactory.getLogger("io.georeg.router.access");
    private static final Pattern SANE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    AccessLogHandler(Handler handler) {
        super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String offered = request.getHeaders().get(StreamingProxy.REQUEST_ID);
        String id = offered != null && SANE_ID.matcher(offered).matches() ? offered : UUID.randomUUID().toString();
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
        return super.handle(request, response, logged);
    }

    private static void log(Request request, Response response, RequestRecord record, long start, Throwable failure) {
        if (!ACCESS.isInfoEnabled()) {
            return;
        }
        ACCESS.info("id={} method={} path={} route={} destination={} fallback={} status={} bytes={} ms={} client={}{}",
                record.requestId(), request.getMethod(), request.getHttpURI().getPath(), record.routeId(),
                record.destination(), record.fallback(), response.getStatus(), Response.getContentBytesWritten(response),
                (System.nanoTime() - start) / 1_000_000, Request.getRemoteAddr(request),
                failure == null ? "" : " failure=\"" + failure + "\"");
    }
}
