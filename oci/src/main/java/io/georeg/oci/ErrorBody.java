package io.georeg.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one JSON error body of the OCI distribution spec ("Error Codes"):
 * {@code {"errors":[{"code":"...","message":"...","detail":...}]}}.
 */
public final class ErrorBody {
    /**
     * The {@code Content-Type} of every error body georeg writes itself, spelt as Jersey writes a
     * JSON media type with its charset (no space before the parameter), so that an error looks the
     * same whichever layer answers: Jetty's error handler, a core handler, or Jersey.
     */
    public static final String CONTENT_TYPE = "application/json;charset=utf-8";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorBody() {}

    public static byte[] render(ErrorCode code, String message, Object detail) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code.wireCode());
        error.put("message", message == null ? code.defaultMessage() : message);
        if (detail != null) {
            error.put("detail", detail);
        }
        try {
            return JSON.writeValueAsBytes(Map.of("errors", List.of(error)));
        } catch (JsonProcessingException e) {
            // Only reachable with an unserialisable detail object: a programming error.
            throw new IllegalStateException("cannot render OCI error body", e);
        }
    }

    public static byte[] render(OciException e) {
        return render(e.code(), e.getMessage(), e.detail());
    }

    public static String renderString(ErrorCode code, String message) {
        return new String(render(code, message, null), StandardCharsets.UTF_8);
    }
}
