package io.georeg.testkit.oci;

import io.georeg.oci.Digest;
import io.georeg.oci.MediaTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * A registry client for tests, over the OCI distribution API without authentication: pushes
 * images (monolithic blob uploads, then the manifest), deletes, and reads answering with status,
 * digest, source and body. Talks to distribution directly or through the router; every request
 * says what it is in failures. Thread-safe.
 */
public final class RegistryHttp implements AutoCloseable {
    /** What a client that takes every manifest type sends (skopeo, current docker and containerd). */
    public static final String ACCEPT_ALL = MediaTypes.ACCEPT_EVERY_MANIFEST;
    /** What an old docker client or a script sends: schema 2 only, no lists. */
    public static final String ACCEPT_DOCKER_V2 = MediaTypes.DOCKER_MANIFEST;

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final HttpClient http;

    public RegistryHttp(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(TIMEOUT)
                .build();
    }

    public URI base() {
        return base;
    }

    /** An answer: status, {@code Docker-Content-Digest}, {@code X-Georeg-Source} (router only), body, every header. */
    public record Answer(
            int status, Optional<Digest> digest, Optional<String> source, byte[] body, HttpHeaders headers) {
        public boolean ok() {
            return status / 100 == 2;
        }

        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }
    }

    /** Pushes the image's blobs and its manifest under {@code reference} (a tag or its digest). */
    public Answer push(String repository, String reference, TestImage image) {
        for (TestBlob blob : image.blobs()) {
            pushBlob(repository, blob.digest(), blob.content());
        }
        return putManifest(
                repository,
                reference,
                image.manifest().mediaType(),
                image.manifest().content());
    }

    /** Uploads a blob in one piece ({@code POST} for a session, {@code PUT} with the digest); fails unless 201. */
    public void pushBlob(String repository, Digest digest, byte[] content) {
        Answer done = uploadBlob(repository, digest, content);
        if (done.status() != 201) {
            throw new IllegalStateException("upload of " + digest + " to " + repository + ": " + done.status() + " "
                    + new String(done.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** Uploads a blob in one piece; the answer of the step that ended it (201 when stored). */
    public Answer uploadBlob(String repository, Digest digest, byte[] content) {
        HttpResponse<byte[]> started = send(
                HttpRequest.newBuilder(uri("/v2/" + repository + "/blobs/uploads/"))
                        .POST(HttpRequest.BodyPublishers.noBody()),
                "start upload to " + repository);
        if (started.statusCode() != 202) {
            return answer(started);
        }
        String location = started.headers().firstValue("Location").orElseThrow();
        URI session = uri("/").resolve(location);
        URI put = URI.create(session + (session.getRawQuery() == null ? "?" : "&") + "digest=" + digest);
        return answer(send(
                HttpRequest.newBuilder(put)
                        .header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(content)),
                "finish upload of " + digest));
    }

    public Answer putManifest(String repository, String reference, String mediaType, byte[] content) {
        return answer(send(
                HttpRequest.newBuilder(uri("/v2/" + repository + "/manifests/" + reference))
                        .header("Content-Type", mediaType)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(content)),
                "PUT manifest " + repository + ":" + reference));
    }

    public Answer getManifest(String repository, String reference, String accept) {
        return answer(send(
                HttpRequest.newBuilder(uri("/v2/" + repository + "/manifests/" + reference))
                        .header("Accept", accept)
                        .GET(),
                "GET manifest " + repository + ":" + reference));
    }

    public Answer headManifest(String repository, String reference, String accept) {
        return answer(send(
                HttpRequest.newBuilder(uri("/v2/" + repository + "/manifests/" + reference))
                        .header("Accept", accept)
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()),
                "HEAD manifest " + repository + ":" + reference));
    }

    /** {@code DELETE} of a manifest by digest, or of a tag where the registry allows it. */
    public Answer deleteManifest(String repository, String reference) {
        return answer(send(
                HttpRequest.newBuilder(uri("/v2/" + repository + "/manifests/" + reference))
                        .DELETE(),
                "DELETE manifest " + repository + ":" + reference));
    }

    public Answer getBlob(String repository, Digest digest) {
        return answer(send(
                HttpRequest.newBuilder(uri("/v2/" + repository + "/blobs/" + digest))
                        .GET(),
                "GET blob " + repository + "@" + digest));
    }

    public Answer deleteBlob(String repository, Digest digest) {
        return answer(send(
                HttpRequest.newBuilder(uri("/v2/" + repository + "/blobs/" + digest))
                        .DELETE(),
                "DELETE blob " + repository + "@" + digest));
    }

    /** A {@code GET} of any path of the API, with its query (tags list or catalog pages, filtered referrers). */
    public Answer get(String pathAndQuery, String accept) {
        return answer(send(
                HttpRequest.newBuilder(uri(pathAndQuery))
                        .header("Accept", accept)
                        .GET(),
                "GET " + pathAndQuery));
    }

    public Answer tagsList(String repository) {
        return answer(send(
                HttpRequest.newBuilder(uri("/v2/" + repository + "/tags/list")).GET(), "GET tags " + repository));
    }

    public Answer referrers(String repository, Digest subject) {
        return answer(send(
                HttpRequest.newBuilder(uri("/v2/" + repository + "/referrers/" + subject))
                        .header("Accept", MediaTypes.OCI_INDEX)
                        .GET(),
                "GET referrers " + repository + "@" + subject));
    }

    @Override
    public void close() {
        http.close();
    }

    private URI uri(String path) {
        return URI.create(base.toString().replaceAll("/+$", "") + path);
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request, String what) {
        try {
            return http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(what + " at " + base, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " interrupted", e);
        }
    }

    private static Answer answer(HttpResponse<byte[]> r) {
        return new Answer(
                r.statusCode(),
                r.headers().firstValue("Docker-Content-Digest").map(Digest::parse),
                r.headers().firstValue("X-Georeg-Source"),
                r.body() == null ? new byte[0] : r.body(),
                r.headers());
    }
}
