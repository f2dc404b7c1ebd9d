package io.georeg.testkit.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the HTTP exchanges out of what {@code ctr … --http-dump} logs on standard error (one
 * logrus line per line of each request and response, bodies included): method, path, status and
 * the headers of both sides. A client test uses it to see what containerd sent (its
 * {@code Accept} headers, its token requests) and who answered (the router's
 * {@code X-Georeg-Source}). A body is logged without a line break before the next request line or
 * status line, so those are matched at the end of a log message.
 */
public final class CtrHttpDump {
    private static final Pattern MESSAGE = Pattern.compile("level=\\w+ msg=\"(.*)\"$");
    private static final Pattern REQUEST_LINE = Pattern.compile("(GET|HEAD|POST|PUT|PATCH|DELETE) (/\\S*) HTTP/1\\.1$");
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3})(?: [A-Za-z -]*)?$");
    private static final Pattern HEADER = Pattern.compile("^([A-Za-z0-9-]+): (.*)$");

    private CtrHttpDump() {}

    /** One request and its response, header names as Go writes them (canonical case). */
    public record Exchange(
            String method,
            String path,
            Map<String, String> requestHeaders,
            int status,
            Map<String, String> responseHeaders) {
        /** The router's {@code X-Georeg-Source} of the answer, or "" when it had none. */
        public String source() {
            return responseHeaders.getOrDefault("X-Georeg-Source", "");
        }

        public String accept() {
            return requestHeaders.getOrDefault("Accept", "");
        }

        @Override
        public String toString() {
            return method + " " + path + " -> " + status + " (" + source() + ")";
        }
    }

    /** Every exchange of a dump, in order; a request whose response is not in the dump is left out. */
    public static List<Exchange> parse(String stderr) {
        List<Exchange> out = new ArrayList<>();
        String method = null;
        String path = null;
        int status = 0;
        Map<String, String> request = new LinkedHashMap<>();
        Map<String, String> response = new LinkedHashMap<>();
        boolean inHeaders = false;
        for (String line : stderr.split("\n")) {
            Matcher message = MESSAGE.matcher(line.strip());
            String text = message.find() ? message.group(1) : "";
            Matcher requestLine = REQUEST_LINE.matcher(text);
            Matcher statusLine = STATUS_LINE.matcher(text);
            if (requestLine.find()) {
                if (method != null && status != 0) {
                    out.add(new Exchange(method, path, Map.copyOf(request), status, Map.copyOf(response)));
                }
                method = requestLine.group(1);
                path = requestLine.group(2);
                status = 0;
                request = new LinkedHashMap<>();
                response = new LinkedHashMap<>();
                inHeaders = true;
            } else if (method != null && status == 0 && statusLine.find()) {
                status = Integer.parseInt(statusLine.group(1));
                inHeaders = true;
            } else if (text.isEmpty()) {
                inHeaders = false;
            } else if (inHeaders && method != null) {
                Matcher header = HEADER.matcher(text.replace("\\\"", "\""));
                if (header.find()) {
                    (status == 0 ? request : response).put(header.group(1), header.group(2));
                }
            }
        }
        if (method != null && status != 0) {
            out.add(new Exchange(method, path, Map.copyOf(request), status, Map.copyOf(response)));
        }
        return out;
    }
}
