package io.georeg.replicator.primary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The primary's listings, for the reconcile crawl: the catalog and a repository's tags, page by
 * page through {@code Link} headers, names that are not valid repository names or tags skipped.
 * Thread-safe, one per {@link PrimaryClient}.
 */
public final class PrimaryCatalog {
    static final String CATALOG_SCOPE = "registry:catalog:*";
    private static final int PAGE_SIZE = 1000;
    private static final int MAX_PAGE_BYTES = 64 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrimaryTransport transport;

    PrimaryCatalog(PrimaryTransport transport) {
        this.transport = transport;
    }

    /** Every repository of the primary's catalog, page by page, in the primary's order. */
    public void forEachRepository(Consumer<RepositoryName> sink) {
        paginate(transport.uri("/v2/_catalog?n=" + PAGE_SIZE), CATALOG_SCOPE, "repositories", name -> {
            if (RepositoryName.isValid(name)) {
                sink.accept(RepositoryName.of(name));
            }
        });
    }

    /** Every tag of a repository; empty when the repository is unknown to the primary. */
    public List<Tag> tags(RepositoryName repository) {
        List<Tag> tags = new ArrayList<>();
        paginate(
                transport.uri("/v2/" + repository + "/tags/list?n=" + PAGE_SIZE),
                PrimaryTransport.pullScope(repository),
                "tags",
                name -> {
                    if (Tag.isValid(name)) {
                        tags.add(Tag.of(name));
                    }
                });
        return tags;
    }

    private void paginate(URI first, String scope, String field, Consumer<String> sink) {
        URI next = first;
        while (next != null) {
            String what = "GET " + next.getRawPath();
            HttpResponse<InputStream> r = transport.send("GET", next, scope, "application/json", what);
            if (r.statusCode() == 404) {
                PrimaryTransport.discard(r);
                return;
            }
            PrimaryTransport.requireOk(r, what);
            byte[] body = PrimaryTransport.readLimited(r, MAX_PAGE_BYTES, what);
            try {
                JsonNode items = JSON.readTree(body).path(field);
                items.forEach(n -> sink.accept(n.asText()));
            } catch (IOException e) {
                throw new PrimaryContentException(what + ": answer is not JSON: " + e.getMessage());
            }
            next = LinkHeader.next(r.headers().allValues("Link"))
                    .map(r.uri()::resolve)
                    .orElse(null);
        }
    }
}
