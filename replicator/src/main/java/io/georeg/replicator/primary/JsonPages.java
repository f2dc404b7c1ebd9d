package io.georeg.replicator.primary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Walks a paginated JSON listing of the primary page by page through RFC 8288 {@code Link: <…>;
 * rel="next"} headers, as distribution paginates its catalog and tags list and GitLab and Harbor
 * their repository lists. A 404 is an empty listing; 401 and 403 are a {@link CatalogRefusedException};
 * every other failure a {@link PrimaryException}. Used by {@link PrimaryCatalog} and the listings.
 */
final class JsonPages {
    private static final int MAX_PAGE_BYTES = 64 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How one page is fetched: the transport's token flow, or credentials sent up front. */
    enum Credentials {
        TOKEN_FLOW,
        BASIC
    }

    private JsonPages() {}

    /**
     * Fetches {@code first} and every next page, handing the items {@code items} picks from each
     * page's JSON to {@code sink}.
     */
    static void forEach(
            PrimaryTransport transport,
            URI first,
            String scope,
            Credentials credentials,
            Function<JsonNode, JsonNode> items,
            Consumer<JsonNode> sink) {
        URI next = first;
        while (next != null) {
            String what = "GET " + next.getRawPath();
            HttpResponse<InputStream> r = credentials == Credentials.BASIC
                    ? transport.sendWithBasic(next, "application/json", what)
                    : transport.send("GET", next, scope, "application/json", what);
            if (r.statusCode() == 404) {
                PrimaryTransport.discard(r);
                return;
            }
            if (r.statusCode() == 401 || r.statusCode() == 403) {
                PrimaryTransport.discard(r);
                throw new CatalogRefusedException(
                        what + ": the primary refuses this listing to the replicator's account (HTTP " + r.statusCode()
                                + ")",
                        r.statusCode());
            }
            PrimaryTransport.requireOk(r, what);
            byte[] body = PrimaryTransport.readLimited(r, MAX_PAGE_BYTES, what);
            JsonNode page;
            try {
                page = items.apply(JSON.readTree(body));
            } catch (IOException e) {
                throw new PrimaryContentException(what + ": answer is not JSON: " + e.getMessage());
            }
            if (page == null || !page.isArray() || page.isEmpty()) {
                return;
            }
            page.forEach(sink);
            next = LinkHeader.next(r.headers().allValues("Link"))
                    .map(r.uri()::resolve)
                    .orElse(null);
        }
    }
}
