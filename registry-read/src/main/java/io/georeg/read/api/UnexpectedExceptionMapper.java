package io.georeg.read.api;

import io.georeg.db.DatabaseUnavailableException;
import io.georeg.oci.ErrorBody;
import io.georeg.oci.ErrorCode;
import io.georeg.oci.OciException;
import io.georeg.ops.OciErrorHandler;
import io.georeg.storage.BlobNotFoundException;
import io.georeg.storage.StorageException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.http.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything that is not an {@link OciException}. Storage exceptions with an OCI meaning are
 * translated here, at the API edge ({@link BlobNotFoundException} is {@code BLOB_UNKNOWN}: the
 * database said the blob exists but storage lost it, e.g. a race with a delete). Jersey's own
 * exceptions (405 for an unmapped method, 404, 406) keep their status with an OCI body. The
 * database pool failing to connect and storage backend failures are 503 {@code UNAVAILABLE}
 * (transient, worth a retry). A client error Jetty raises while the resource reads the request
 * (e.g. a query that is not valid percent-encoded UTF-8) keeps its 4xx status with an OCI body and
 * is not logged as a failure. Anything
 * else is 500 {@code UNKNOWN}, logged with the request id and the stack trace, while the client
 * gets only the request id.
 */
public final class UnexpectedExceptionMapper implements ExceptionMapper<Throwable> {
    private static final Logger LOG = LoggerFactory.getLogger(UnexpectedExceptionMapper.class);

    @Context
    private HttpHeaders headers;

    @Override
    public Response toResponse(Throwable t) {
        if (t instanceof WebApplicationException w) {
            // Jersey's own (405 for an unmapped method, 404, 406): its status with an OCI body
            int status = w.getResponse().getStatus();
            ErrorCode code =
                    status == 405 ? ErrorCode.UNSUPPORTED : status == 404 ? ErrorCode.NAME_UNKNOWN : ErrorCode.UNKNOWN;
            return new ErrorAnswer(status, ErrorBody.render(code, w.getMessage(), null), null, null).toJersey();
        }
        return answer(t, headers == null ? null : headers.getHeaderString("X-Request-Id"))
                .toJersey();
    }

    /**
     * The answer to {@code t} on any path (Jersey's or {@link DirectReads}'s), logged as the class
     * comment says.
     *
     * @param requestIdHeader the request's {@code X-Request-Id}, or null
     */
    static ErrorAnswer answer(Throwable t, String requestIdHeader) {
        if (t instanceof OciException e) {
            return ErrorAnswer.of(e);
        }
        if (t instanceof BlobNotFoundException b) {
            return ErrorAnswer.of(OciException.blobUnknown(b.digest()));
        }
        if (t instanceof DatabaseUnavailableException
                || (t instanceof StorageException && !(t instanceof BlobNotFoundException))) {
            // Transient by contract (the pool cannot connect, the storage backend failed): the
            // client may retry, so 503 rather than 500. Logged, since an operator must act.
            String requestId = requestId(requestIdHeader);
            LOG.warn("request {}: backend unavailable: {}", requestId, t.toString());
            return ErrorAnswer.of(new OciException(
                    ErrorCode.UNAVAILABLE,
                    "the replica's backend is unavailable; retry later (request id " + requestId + ")",
                    Map.of("requestId", requestId)));
        }
        if (t instanceof HttpException h && h.getCode() >= 400 && h.getCode() < 500) {
            LOG.debug("request {} refused by the HTTP layer: {}", requestId(requestIdHeader), h.getReason());
            return new ErrorAnswer(
                    h.getCode(),
                    ErrorBody.render(
                            OciErrorHandler.codeFor(h.getCode(), String.valueOf(h.getReason())),
                            "bad request: " + h.getReason(),
                            null),
                    null,
                    null);
        }
        String requestId = requestId(requestIdHeader);
        LOG.error("request {} failed unexpectedly", requestId, t);
        return new ErrorAnswer(
                500,
                ErrorBody.render(
                        ErrorCode.UNKNOWN,
                        "internal error; the server log has the details under request id " + requestId,
                        Map.of("requestId", requestId)),
                null,
                null);
    }

    private static String requestId(String fromClient) {
        return fromClient != null && !fromClient.isBlank() && fromClient.length() <= 128
                ? fromClient
                : UUID.randomUUID().toString();
    }
}
