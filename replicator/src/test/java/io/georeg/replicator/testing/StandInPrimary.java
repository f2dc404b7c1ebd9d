package io.georeg.replicator.testing;

import io.georeg.oci.Digest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

/**
 * A programmable stand-in for the primary registry, for what a real distribution will not do on
 * demand: serve corrupted blob bytes, demand distribution's token flow, redirect blob GETs to
 * another host (pre-signed storage), paginate small pages, 404 the referrers API, move and delete
 * tags. Records every request with its Authorization header.
 */
public final class StandInPrimary extends Handler.Abstract {
    public static final String USER = "replicator";
    public static final String PASSWORD = "s3cret-password";

    /** A request as the stand-in saw it. */
    public record Seen(String method, String pathAndQuery, String authorization) {}

    private final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    private final Map<String, String> manifestTypes = new ConcurrentHashMap<>();
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final Map<String, List<String>> tags = new ConcurrentHashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private volatile boolean corruptBlobs;
    private volatile boolean tokenAuth;
    private volatile String redirectBlobsTo;
    private volatile int pageSize = 1000;
    private final Object blobGetLock = new Object();
    private int holdBlobGetsUntil; // 0: blob GETs answered at once
    private int blobGetsHeld;
    private int mostBlobGetsAtOnce;
    private Duration holdBlobGetsFor = Duration.ZERO;
    private volatile Server server;

    public Server listen() throws Exception {
        server = JettyServers.start(this);
        return server;
    }

    public String url() {
        return "http://127.0.0.1:" + JettyServers.port(server);
    }

    public void shutdown() throws Exception {
        server.stop();
    }

    public StandInPrimary manifest(String repository, String tag, String mediaType, byte[] content) {
        Digest d = Digest.sha256(content);
        manifests.put(repository + "@" + d, content);
        manifestTypes.put(repository + "@" + d, mediaType);
        if (tag != null) {
            manifests.put(repository + ":" + tag, content);
            manifestTypes.put(repository + ":" + tag, mediaType);
            List<String> listed = tags.computeIfAbsent(repository, k -> new CopyOnWriteArrayList<>());
            if (!listed.contains(tag)) {
                listed.add(tag);
            }
        }
        return this;
    }

    /** Deletes a tag, as distribution's tag delete: its manifest stays, by digest. */
    public StandInPrimary untag(String repository, String tag) {
        manifests.remove(repository + ":" + tag);
        manifestTypes.remove(repository + ":" + tag);
        tags.getOrDefault(repository, List.of()).remove(tag);
        return this;
    }

    /** Serves {@code content} at {@code repository@claimedDigest}: bytes that do not match their digest. */
    public StandInPrimary mismatchedManifest(String repository, Digest claimed, String mediaType, byte[] content) {
        manifests.put(repository + "@" + claimed, content);
        manifestTypes.put(repository + "@" + claimed, mediaType);
        return this;
    }

    public StandInPrimary blob(byte[] content) {
        blobs.put(Digest.sha256(content).toString(), content);
        return this;
    }

    public StandInPrimary corruptBlobs(boolean on) {
        corruptBlobs = on;
        return this;
    }

    public StandInPrimary tokenAuth(boolean on) {
        tokenAuth = on;
        return this;
    }

    /** Blob GETs answer 307 to {@code base + "/storage/<hex>"} (a server that checks nothing). */
    public StandInPrimary redirectBlobsTo(String base) {
        redirectBlobsTo = base;
        return this;
    }

    /**
     * Holds each blob GET's answer until {@code together} blob GETs are held at once, or for at
     * most {@code atMost} (requests that come one after another are answered late, not refused).
     */
    public StandInPrimary holdBlobGets(int together, Duration atMost) {
        synchronized (blobGetLock) {
            holdBlobGetsUntil = together;
            holdBlobGetsFor = atMost;
        }
        return this;
    }

    /** The most blob GETs held at once by {@link #holdBlobGets}. */
    public int mostBlobGetsAtOnce() {
        synchronized (blobGetLock) {
            return mostBlobGetsAtOnce;
        }
    }

    private void holdBlobGet() {
        synchronized (blobGetLock) {
            if (holdBlobGetsUntil == 0) {
                return;
            }
            blobGetsHeld++;
            mostBlobGetsAtOnce = Math.max(mostBlobGetsAtOnce, blobGetsHeld);
            blobGetLock.notifyAll();
            long deadline = System.nanoTime() + holdBlobGetsFor.toNanos();
            try {
                while (mostBlobGetsAtOnce < holdBlobGetsUntil) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    blobGetLock.wait(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                blobGetsHeld--;
            }
        }
    }

    public StandInPrimary pageSize(int n) {
        pageSize = n;
        return this;
    }

    public List<Seen> seen() {
        return seen;
    }

    public int tokensIssued() {
        return tokensIssued.get();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String query = request.getHttpURI().getQuery();
        String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        seen.add(new Seen(request.getMethod(), path + (query == null ? "" : "?" + query), auth));
        if (path.equals("/token")) {
            String expected = "Basic "
                    + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            if (!expected.equals(auth)) {
                return send(response, callback, 401, "text/plain", "bad credentials".getBytes(StandardCharsets.UTF_8));
            }
            String token = "token-" + tokensIssued.incrementAndGet();
            return send(
                    response,
                    callback,
                    200,
                    "application/json",
                    ("{\"token\":\"" + token + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8));
        }
        if (path.startsWith("/storage/")) {
            byte[] content = blobs.get("sha256:" + path.substring("/storage/".length()));
            return content == null
                    ? send(response, callback, 404, "text/plain", new byte[0])
                    : send(response, callback, 200, "application/octet-stream", content);
        }
        if (!path.startsWith("/v2/")) {
            return send(response, callback, 404, "text/plain", new byte[0]);
        }
        if (tokenAuth && (auth == null || !auth.startsWith("Bearer token-"))) {
            response.getHeaders()
                    .put(
                            HttpHeader.WWW_AUTHENTICATE,
                            "Bearer realm=\"" + url() + "/token\",service=\"stand-in\",scope=\"" + scopeOf(path)
                                    + "\"");
            return send(
                    response,
                    callback,
                    401,
                    "application/json",
                    "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes(StandardCharsets.UTF_8));
        }
        if (path.equals("/v2/")) {
            return send(response, callback, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        }
        if (path.equals("/v2/_catalog")) {
            return page(
                    request,
                    response,
                    callback,
                    "repositories",
                    tags.keySet().stream().sorted().toList());
        }
        String rest = path.substring("/v2/".length());
        int m = rest.lastIndexOf("/manifests/");
        if (m > 0) {
            String key =
                    rest.substring(0, m) + (rest.substring(m + 11).contains(":") ? "@" : ":") + rest.substring(m + 11);
            byte[] content = manifests.get(key);
            if (content == null) {
                return send(
                        response,
                        callback,
                        404,
                        "application/json",
                        "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}".getBytes(StandardCharsets.UTF_8));
            }
            response.getHeaders()
                    .put("Docker-Content-Digest", Digest.sha256(content).toString());
            if ("HEAD".equals(request.getMethod())) {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, manifestTypes.get(key));
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, content.length);
                response.setStatus(200);
                callback.succeeded();
                return true;
            }
            return send(response, callback, 200, manifestTypes.get(key), content);
        }
        int b = rest.lastIndexOf("/blobs/");
        if (b > 0) {
            String digest = rest.substring(b + 7);
            byte[] content = blobs.get(digest);
            if (content == null) {
                return send(
                        response,
                        callback,
                        404,
                        "application/json",
                        "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}".getBytes(StandardCharsets.UTF_8));
            }
            if (redirectBlobsTo != null) {
                response.getHeaders()
                        .put(HttpHeader.LOCATION, redirectBlobsTo + "/storage/" + digest.substring("sha256:".length()));
                return send(response, callback, 307, "text/plain", new byte[0]);
            }
            if ("GET".equals(request.getMethod())) {
                holdBlobGet();
            }
            byte[] body = content;
            if (corruptBlobs) {
                body = content.clone();
                body[body.length / 2] ^= 0x5a;
            }
            return send(response, callback, 200, "application/octet-stream", body);
        }
        int t = rest.lastIndexOf("/tags/list");
        if (t > 0) {
            return page(
                    request,
                    response,
                    callback,
                    "tags",
                    tags.getOrDefault(rest.substring(0, t), List.of()).stream()
                            .sorted()
                            .toList());
        }
        // No referrers API, as distribution 2.8.
        return send(
                response,
                callback,
                404,
                "application/json",
                "{\"errors\":[{\"code\":\"NOT_FOUND\"}]}".getBytes(StandardCharsets.UTF_8));
    }

    private boolean page(Request request, Response response, Callback callback, String field, List<String> all) {
        String last = Request.extractQueryParameters(request).getValue("last");
        List<String> after =
                all.stream().filter(s -> last == null || s.compareTo(last) > 0).toList();
        List<String> page = after.subList(0, Math.min(pageSize, after.size()));
        if (after.size() > page.size()) {
            String path = Request.getPathInContext(request);
            response.getHeaders()
                    .put(
                            "Link",
                            "<" + path + "?n=" + pageSize + "&last=" + page.get(page.size() - 1) + ">; rel=\"next\"");
        }
        StringBuilder json = new StringBuilder("{\"" + field + "\":[");
        for (int i = 0; i < page.size(); i++) {
            json.append(i == 0 ? "" : ",").append('"').append(page.get(i)).append('"');
        }
        json.append("]}");
        return send(response, callback, 200, "application/json", json.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String scopeOf(String path) {
        if (path.equals("/v2/") || path.equals("/v2/_catalog")) {
            return "registry:catalog:*";
        }
        String rest = path.substring(4);
        for (String marker : List.of("/manifests/", "/blobs/", "/tags/", "/referrers/")) {
            int i = rest.indexOf(marker);
            if (i > 0) {
                return "repository:" + rest.substring(0, i) + ":pull";
            }
        }
        return "";
    }

    private static boolean send(Response response, Callback callback, int status, String type, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
