package io.georeg.router.fallback;

import io.georeg.oci.MediaTypes;
import io.georeg.router.proxy.StreamingProxy;
import io.georeg.router.proxy.Upstream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the primary what it stores under a tag: a {@code HEAD} of the tag with every manifest
 * type georeg stores in {@code Accept} ({@link MediaTypes#ACCEPT_EVERY_MANIFEST}) and the
 * client's own {@code Authorization}. A client's read is no evidence of that: distribution 2.8
 * answers a client that cannot take a manifest list with the list's linux/amd64 child, under
 * the child's digest. Blocking; called off the request path. Bounded by {@code timeout}, and by
 * the primary being found down, as the proxy's exchanges with it are
 * ({@link StreamingProxy#newRequestUntilDown}): a hung primary holds no lookup for the whole timeout.
 */
public final class StoredTagLookup {
    private static final Logger LOG = LoggerFactory.getLogger(StoredTagLookup.class);

    private final StreamingProxy proxy;
    private final Supplier<Upstream> primary;
    private final Duration timeout;

    /** @param primary the primary's registry as configured now (a promotion may switch it) */
    public StoredTagLookup(StreamingProxy proxy, Supplier<Upstream> primary, Duration timeout) {
        this.proxy = proxy;
        this.primary = primary;
        this.timeout = timeout;
    }

    /** What the primary stores under a tag: the manifest's digest and size (-1 when not said). */
    public record Stored(String digest, long size) {}

    /** What {@code repository:tag} is on the primary, empty when it has none or cannot be asked. */
    public Optional<Stored> storedUnder(String repository, String tag, List<String> authorization) {
        try {
            Upstream upstream = primary.get();
            ContentResponse head = proxy.newRequestUntilDown(
                            upstream, upstream.target("/v2/" + repository + "/manifests/" + tag, null))
                    .method(HttpMethod.HEAD)
                    .headers(h -> {
                        h.put(HttpHeader.ACCEPT, MediaTypes.ACCEPT_EVERY_MANIFEST);
                        authorization.forEach(a -> h.add(HttpHeader.AUTHORIZATION, a));
                    })
                    .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .send();
            String digest = head.getHeaders().get("Docker-Content-Digest");
            return head.getStatus() == 200 && digest != null && !digest.isBlank()
                    ? Optional.of(new Stored(digest.trim(), head.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH)))
                    : Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            LOG.debug("cannot ask the primary for {}:{}", repository, tag, e);
            return Optional.empty();
        }
    }
}
