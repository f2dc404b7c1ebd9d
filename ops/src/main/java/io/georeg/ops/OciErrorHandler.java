package io.georeg.ops;

import io.georeg.oci.ErrorBody;
import io.georeg.oci.ErrorCode;
import io.georeg.oci.PathGrammar;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty raises before any handler runs (a URI it cannot parse or normalise, e.g.
 * {@code /v2/../../etc}, a malformed request line or header, oversized headers, a request or
 * header deadline passed) still get the OCI error body instead of Jetty's HTML page, on every
 * listener georeg opens. A 400 about the URI or path is {@code NAME_INVALID}, since the
 * repository path is what a client controls there; other statuses keep their status with the
 * nearest code. Listeners that serve the registry API ({@link #forRegistryApi()}) also send the
 * API version header.
 */
public final class OciErrorHandler extends ErrorHandler {
    /** distribution's API version header, on every answer of the registry API. */
    public static final PreEncodedHttpField API_VERSION =
            new PreEncodedHttpField("Docker-Distribution-API-Version", "registry/2.0");

    private final boolean registryApi;

    private OciErrorHandler(boolean registryApi) {
        this.registryApi = registryApi;
    }

    /** For a listener serving the registry API (router, registry-read). */
    public static OciErrorHandler forRegistryApi() {
        return new OciErrorHandler(true);
    }

    /** For other listeners (replicator, operator). */
    public static OciErrorHandler plain() {
        return new OciErrorHandler(false);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        Object m = request.getAttribute(ERROR_MESSAGE);
        String message = m == null ? "request refused by the HTTP layer" : m.toString();
        String pathProblem = status == 400 ? pathProblem(request) : null;
        ErrorCode code = pathProblem != null ? ErrorCode.NAME_INVALID : codeFor(status, message);
        if (pathProblem != null) {
            message = "invalid repository path: " + pathProblem;
        }
        byte[] body = ErrorBody.render(code, message, null);
        if (registryApi) {
            response.getHeaders().put(API_VERSION);
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, ErrorBody.CONTENT_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    /**
     * Why the request path is unacceptable, or null when the 400 is about something else. A
     * target Jetty cannot parse or normalise ({@code /v2/../../x}) arrives here as a bad message
     * whose cause says "Bad URI", with the original target already replaced.
     */
    private static String pathProblem(Request request) {
        for (Throwable t = (Throwable) request.getAttribute(ERROR_EXCEPTION); t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.toLowerCase(Locale.ROOT).contains("uri")) {
                return "the request target cannot be parsed or normalised (" + m + ")";
            }
        }
        HttpURI uri = request.getHttpURI();
        String raw = uri == null ? null : uri.getPath();
        if (raw == null) {
            return null;
        }
        String why = PathGrammar.ambiguity(raw);
        if (why != null) {
            return why;
        }
        return uri.getCanonicalPath() == null || uri.hasViolations() ? "the path cannot be normalised" : null;
    }

    /** The OCI code nearest to a status Jetty chose, e.g. 400 about the URI is {@code NAME_INVALID}. */
    public static ErrorCode codeFor(int status, String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        return switch (status) {
            case 400 -> lower.contains("uri") || lower.contains("path") ? ErrorCode.NAME_INVALID : ErrorCode.UNKNOWN;
            case 401 -> ErrorCode.UNAUTHORIZED;
            case 403 -> ErrorCode.DENIED;
            case 405 -> ErrorCode.UNSUPPORTED;
            case 429 -> ErrorCode.TOOMANYREQUESTS;
            case 503 -> ErrorCode.UNAVAILABLE;
            default -> ErrorCode.UNKNOWN;
        };
    }
}
