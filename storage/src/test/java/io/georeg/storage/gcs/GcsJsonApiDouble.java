package io.georeg.storage.gcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test double of the Google Cloud Storage JSON API: an HTTP server on an ephemeral loopback
 * port, in the test's JVM, that answers the requests the {@code google-cloud-storage} client
 * sends for {@link GcsObjectStore} and nothing else, with GCS's documented semantics for them.
 * It exists because no GCS server runs here and the one emulator at hand (Firebase's Storage
 * emulator) finalizes a resumable upload at its first chunk, which is exactly what a test of a
 * copy killed mid-upload must not get wrong.
 *
 * <p>What it serves, for one bucket:
 *
 * <ul>
 *   <li>resumable uploads: {@code POST /upload/storage/v1/b/B/o?uploadType=resumable} opens a
 *       session (its URI in {@code Location}); each {@code PUT} to it carries a
 *       {@code Content-Range}; a chunk whose total is {@code *} is kept in the session and
 *       answered {@code 308} with the {@code Range} received, and the chunk that names the total
 *       finalizes the object. Until then the object does not exist: not listed, not readable
 *       (<a href="https://cloud.google.com/storage/docs/performing-resumable-uploads">resumable
 *       uploads</a>). Sessions are kept until {@link #close()}, as GCS keeps them for a week;
 *   <li>{@code GET /storage/v1/b/B/o/O} (metadata, or the bytes with {@code alt=media} and an
 *       optional {@code Range}), {@code DELETE} of the same, {@code GET /storage/v1/b/B/o}
 *       with {@code prefix};
 *   <li>{@code POST .../o/S/rewriteTo/b/B/o/T}, done in one call.
 * </ul>
 *
 * A request for another bucket is answered {@code 404} "The specified bucket does not exist.", as
 * GCS answers for a bucket that does not exist. Any other request is answered {@code 501} naming
 * it, so a client change that needs more fails loudly. No authentication, preconditions or generations beyond a counter.
 *
 * <p>{@link #hold} lets a test stop a client between two of its requests: the matching request
 * is received but neither applied nor answered, so the client waits in it until it is killed.
 */
final class GcsJsonApiDouble implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (?:(\\d+)-(\\d+)|\\*)/(\\d+|\\*)");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    /** A finalized object. */
    private record StoredObject(byte[] content, String contentType, long generation) {}

    /** An open resumable upload session. */
    private static final class Session {
        final String name;
        final String contentType;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();

        Session(String name, String contentType) {
            this.name = name;
            this.contentType = contentType;
        }
    }

    /** A request that {@link #hold} stopped. */
    private record Hold(Predicate<String> request, CountDownLatch arrived) {}

    private final String bucket;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final NavigableMap<String, StoredObject> objects = new ConcurrentSkipListMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong counter = new AtomicLong();
    private final AtomicReference<Hold> hold = new AtomicReference<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    private GcsJsonApiDouble(String bucket) throws IOException {
        this.bucket = bucket;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(threads);
    }

    static GcsJsonApiDouble start(String bucket) throws IOException {
        GcsJsonApiDouble double_ = new GcsJsonApiDouble(bucket);
        double_.server.start();
        return double_;
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The names of the finalized objects, as a listing of the bucket returns them. */
    List<String> objectNames() {
        return List.copyOf(objects.keySet());
    }

    /** Every request received, in order, as method, URI and Content-Range: for failure messages. */
    List<String> requests() {
        return List.copyOf(requests);
    }

    /** For each open upload session, the object name it will create and the bytes it holds. */
    Map<String, Integer> openUploads() {
        Map<String, Integer> open = new HashMap<>();
        sessions.values().forEach(s -> open.put(s.name, s.received.size()));
        return open;
    }

    /**
     * Holds the first request whose {@code "METHOD decoded-path"} matches: it is neither applied
     * nor answered. The latch counts down when it has arrived.
     */
    CountDownLatch hold(Predicate<String> request) {
        Hold h = new Hold(request, new CountDownLatch(1));
        if (!hold.compareAndSet(null, h)) {
            throw new IllegalStateException("one hold at a time");
        }
        return h.arrived();
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            List<String> path = decodedSegments(exchange.getRequestURI().getRawPath());
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            byte[] body = exchange.getRequestBody().readAllBytes();
            requests.add(method + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Content-Range"));
            Hold h = hold.get();
            if (h != null && h.request().test(method + " /" + String.join("/", path)) && hold.compareAndSet(h, null)) {
                h.arrived().countDown();
                closing.await(); // the client is killed meanwhile; nothing is applied
                exchange.sendResponseHeaders(503, -1);
                return;
            }
            route(exchange, method, path, query, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void route(HttpExchange exchange, String method, List<String> path, Map<String, String> query, byte[] body)
            throws IOException {
        // upload/storage/v1/b/B/o | download/storage/v1/b/B/o/O | storage/v1/b/B/o[/O] |
        // storage/v1/b/B/o/S/rewriteTo/b/B/o/T
        boolean upload =
                path.size() == 6 && path.get(0).equals("upload") && path.get(1).equals("storage");
        boolean download = path.size() == 7
                && path.get(0).equals("download")
                && path.get(1).equals("storage");
        boolean api =
                path.size() >= 5 && path.get(0).equals("storage") && path.get(1).equals("v1");
        int b = upload || download ? 4 : 3;
        if ((!upload && !download && !api) || !path.get(b + 1).equals("o")) {
            unsupported(exchange, method, path);
        } else if (!path.get(b).equals(bucket)) {
            // GCS's answer to any object request in a bucket that does not exist.
            error(exchange, 404, "The specified bucket does not exist.");
        } else if (download && method.equals("GET")) {
            get(exchange, path.get(6), true);
        } else if (upload && method.equals("POST") && "resumable".equals(query.get("uploadType"))) {
            openSession(exchange, body);
        } else if (upload && method.equals("PUT") && query.containsKey("upload_id")) {
            putChunk(exchange, query.get("upload_id"), body);
        } else if (api && path.size() == 5 && method.equals("GET")) {
            list(exchange, query.getOrDefault("prefix", ""));
        } else if (api && path.size() == 6 && method.equals("GET")) {
            get(exchange, path.get(5), "media".equals(query.get("alt")));
        } else if (api && path.size() == 6 && method.equals("DELETE")) {
            delete(exchange, path.get(5));
        } else if (api
                && path.size() == 11
                && method.equals("POST")
                && path.get(6).equals("rewriteTo")
                && path.get(8).equals(bucket)) {
            rewrite(exchange, path.get(5), path.get(10));
        } else {
            unsupported(exchange, method, path);
        }
    }

    private void openSession(HttpExchange exchange, byte[] body) throws IOException {
        JsonNode metadata = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        String name = metadata.path("name").asText("");
        if (name.isEmpty()) {
            error(exchange, 400, "resumable upload without an object name");
            return;
        }
        String id = "session-" + counter.incrementAndGet();
        sessions.put(id, new Session(name, metadata.path("contentType").asText("application/octet-stream")));
        exchange.getResponseHeaders()
                .set(
                        "Location",
                        endpoint() + "/upload/storage/v1/b/" + bucket + "/o?uploadType=resumable&upload_id=" + id);
        exchange.sendResponseHeaders(200, -1);
    }

    private void putChunk(HttpExchange exchange, String id, byte[] body) throws IOException {
        Session session = sessions.get(id);
        if (session == null) {
            error(exchange, 404, "no upload session " + id);
            return;
        }
        String contentRange = exchange.getRequestHeaders().getFirst("Content-Range");
        Matcher m = CONTENT_RANGE.matcher(contentRange == null ? "bytes */*" : contentRange);
        if (!m.matches()) {
            error(exchange, 400, "bad Content-Range " + contentRange);
            return;
        }
        synchronized (session) {
            if (m.group(1) != null) {
                long first = Long.parseLong(m.group(1));
                long held = session.received.size();
                if (first > held) {
                    error(exchange, 400, "chunk starts at " + first + " but " + held + " bytes were received");
                    return;
                }
                int skip = (int) (held - first); // a retried chunk: keep only what is new
                if (skip < body.length) {
                    session.received.write(body, skip, body.length - skip);
                }
            }
            long size = session.received.size();
            if (!m.group(3).equals("*") && Long.parseLong(m.group(3)) == size) {
                sessions.remove(id);
                StoredObject object = new StoredObject(
                        session.received.toByteArray(), session.contentType, counter.incrementAndGet());
                objects.put(session.name, object);
                json(exchange, 200, resource(session.name, object));
                return;
            }
            if (size > 0) {
                exchange.getResponseHeaders().set("Range", "bytes=0-" + (size - 1));
            }
            exchange.sendResponseHeaders(308, -1);
        }
    }

    private void list(HttpExchange exchange, String prefix) throws IOException {
        ObjectNode listing = JSON.createObjectNode().put("kind", "storage#objects");
        var items = listing.putArray("items");
        objects.tailMap(prefix, true).entrySet().stream()
                .takeWhile(e -> e.getKey().startsWith(prefix))
                .forEach(e -> items.add(resource(e.getKey(), e.getValue())));
        json(exchange, 200, listing);
    }

    private void get(HttpExchange exchange, String name, boolean media) throws IOException {
        StoredObject object = objects.get(name);
        if (object == null) {
            error(exchange, 404, "No such object: " + bucket + "/" + name);
        } else if (!media) {
            json(exchange, 200, resource(name, object));
        } else {
            byte[] content = object.content();
            String range = exchange.getRequestHeaders().getFirst("Range");
            Matcher m = RANGE.matcher(range == null ? "" : range);
            int from = m.matches() ? (int) Math.min(Long.parseLong(m.group(1)), content.length) : 0;
            int to = m.matches() && !m.group(2).isEmpty()
                    ? (int) Math.min(Long.parseLong(m.group(2)) + 1, content.length)
                    : content.length;
            byte[] part = Arrays.copyOfRange(content, from, Math.max(from, to));
            exchange.getResponseHeaders().set("Content-Type", object.contentType());
            exchange.getResponseHeaders().set("x-goog-generation", Long.toString(object.generation()));
            if (m.matches()) {
                exchange.getResponseHeaders()
                        .set("Content-Range", "bytes " + from + "-" + (from + part.length - 1) + "/" + content.length);
            }
            exchange.sendResponseHeaders(m.matches() ? 206 : 200, part.length == 0 ? -1 : part.length);
            exchange.getResponseBody().write(part);
        }
    }

    private void delete(HttpExchange exchange, String name) throws IOException {
        if (objects.remove(name) == null) {
            error(exchange, 404, "No such object: " + bucket + "/" + name);
        } else {
            exchange.sendResponseHeaders(204, -1);
        }
    }

    private void rewrite(HttpExchange exchange, String source, String target) throws IOException {
        StoredObject object = objects.get(source);
        if (object == null) {
            error(exchange, 404, "No such object: " + bucket + "/" + source);
            return;
        }
        StoredObject copy = new StoredObject(object.content(), object.contentType(), counter.incrementAndGet());
        objects.put(target, copy);
        String size = Integer.toString(copy.content().length);
        ObjectNode response = JSON.createObjectNode()
                .put("kind", "storage#rewriteResponse")
                .put("totalBytesRewritten", size)
                .put("objectSize", size)
                .put("done", true);
        response.set("resource", resource(target, copy));
        json(exchange, 200, response);
    }

    private ObjectNode resource(String name, StoredObject object) {
        return JSON.createObjectNode()
                .put("kind", "storage#object")
                .put("id", bucket + "/" + name + "/" + object.generation())
                .put("bucket", bucket)
                .put("name", name)
                .put("size", Integer.toString(object.content().length))
                .put("contentType", object.contentType())
                .put("generation", Long.toString(object.generation()))
                .put("metageneration", "1");
    }

    private static void unsupported(HttpExchange exchange, String method, List<String> path) throws IOException {
        error(exchange, 501, "the GCS test double does not serve " + method + " /" + String.join("/", path));
    }

    private static void error(HttpExchange exchange, int status, String message) throws IOException {
        ObjectNode error = JSON.createObjectNode();
        error.putObject("error").put("code", status).put("message", message);
        json(exchange, status, error);
    }

    private static void json(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** The path's segments, each percent-decoded (object names travel with {@code /} as %2F). */
    private static List<String> decodedSegments(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                segments.add(decode(s));
            }
        }
        return segments;
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                query.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return query;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
