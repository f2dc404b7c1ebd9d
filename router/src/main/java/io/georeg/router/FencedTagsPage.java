package io.georeg.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.georeg.oci.Tag;
import io.georeg.router.proxy.ResponseInterceptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The page a client asked for ({@code n}, {@code last}) of a tags list that a fence sends to the
 * primary: distribution 2.8 ignores both and lists every tag in storage order, so the router cuts
 * the primary's list the way registry-read cuts its own (distribution spec, "Listing Tags"): tags
 * in byte order, those after {@code last}, at most {@code n}, and a {@code Link} to the next page
 * when more remain; without {@code n}, every tag (registry-read stops at its
 * {@code registryRead.maxPageSize}, which the router does not know). A primary that paginates
 * itself (its answer has a {@code Link}) is passed on as it is. A request whose {@code n} or
 * {@code last} registry-read refuses is not pinned at all ({@link #refusedByReplica}): the
 * replica's 400 is the answer. Used by {@link ReplicaRead}; one instance per request.
 */
final class FencedTagsPage implements ResponseInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(FencedTagsPage.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String repository;
    private final Integer n;
    private final String last;
    private final Response response;
    private final Callback callback;

    private FencedTagsPage(String repository, Integer n, String last, Response response, Callback callback) {
        this.repository = repository;
        this.n = n;
        this.last = last;
        this.response = response;
        this.callback = callback;
    }

    /** The interceptor of a fenced tags list read with this query. */
    static ResponseInterceptor of(String repository, String query, Response response, Callback callback) {
        String n = RouterFences.queryParameter(query, "n");
        String last = RouterFences.queryParameter(query, "last");
        boolean hasN = n != null && !n.isEmpty();
        boolean hasLast = last != null && !last.isEmpty();
        try {
            return new FencedTagsPage(
                    repository, hasN ? Integer.valueOf(n) : null, hasLast ? last : null, response, callback);
        } catch (NumberFormatException e) {
            return NONE; // not pinned: see refusedByReplica
        }
    }

    /** Whether registry-read answers this query with 400 (an {@code n} that is no count, a {@code last} that is no tag). */
    static boolean refusedByReplica(String query) {
        String n = RouterFences.queryParameter(query, "n");
        String last = RouterFences.queryParameter(query, "last");
        if (n != null && !n.isEmpty()) {
            try {
                if (Integer.parseInt(n) < 0) {
                    return true;
                }
            } catch (NumberFormatException e) {
                return true;
            }
        }
        return last != null && !last.isEmpty() && !Tag.isValid(last);
    }

    @Override
    public boolean hold(org.eclipse.jetty.client.Response serverToProxyResponse) {
        return serverToProxyResponse.getStatus() == 200
                && !serverToProxyResponse.getHeaders().contains(HttpHeader.LINK);
    }

    @Override
    public void onHeld(HeldResponse held, Runnable release) {
        byte[] bytes;
        String link;
        try {
            JsonNode list = JSON.readTree(held.body());
            List<String> tags = new ArrayList<>();
            list.path("tags").forEach(t -> tags.add(t.asText()));
            // Byte order, as distribution and registry-read sort (tags are ASCII).
            tags.sort(null);
            List<String> after = last == null
                    ? tags
                    : tags.stream().filter(t -> t.compareTo(last) > 0).toList();
            // n = 0 is an empty page without a Link, as registry-read answers it.
            boolean more = n != null && n > 0 && after.size() > n;
            List<String> page = n == null || after.size() <= n ? after : after.subList(0, n);
            ObjectNode body = JSON.createObjectNode();
            body.set("name", list.path("name"));
            ArrayNode array = body.putArray("tags");
            page.forEach(array::add);
            bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            link = more
                    ? "</v2/" + repository + "/tags/list?last=" + page.getLast() + "&n=" + n + ">; rel=\"next\""
                    : null;
        } catch (IOException | RuntimeException e) {
            LOG.debug("primary's tags list of {} passed on uncut", repository, e);
            release.run();
            return;
        }
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.getHeaders().put("Docker-Distribution-API-Version", "registry/2.0");
        if (link != null) {
            response.getHeaders().put(HttpHeader.LINK, link);
        }
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }
}
