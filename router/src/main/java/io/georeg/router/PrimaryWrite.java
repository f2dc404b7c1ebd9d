package io.georeg.router;

import io.georeg.router.route.RouteId;
import io.georeg.router.route.RouteMatch;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The leg of the {@code PRIMARY} routes (pushes, deletes, uploads, and anything the route table
 * does not know) of one primary: admitted by the {@link PrimarySite} (circuit, freeze), proxied to
 * the primary's registry, and a write's answer held until its read-your-writes fence is recorded
 * ({@link RouterFences#onWrite}).
 *
 * <p>A cross-repository mount ({@code POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<repo>},
 * distribution spec "Mounting a blob from another repository") whose {@code from} another primary
 * owns is sent without {@code mount} and {@code from}: the primary opens an upload session and answers
 * 202 with its {@code Location}, as a registry that declines a mount does, so the client uploads the
 * blob. The mount is never asked of the other cell's registry, which does not hold the target.
 */
final class PrimaryWrite implements RouteLeg {
    private final PrimarySite primary;
    private final RouterFences fences;
    private final RouterMetrics metrics;
    private final Predicate<String> ownsRepository;

    /** @param ownsRepository whether this primary owns a repository (a mount's {@code from}) */
    PrimaryWrite(PrimarySite primary, RouterFences fences, RouterMetrics metrics, Predicate<String> ownsRepository) {
        this.primary = primary;
        this.fences = fences;
        this.metrics = metrics;
        this.ownsRepository = ownsRepository;
    }

    @Override
    public boolean mayBlock(RouteMatch match) {
        return fences.writeMayBlock(match);
    }

    @Override
    public void answer(Request request, Response response, Callback callback, RequestRecord record, RouteMatch match) {
        metrics.routed(record, match, "primary");
        String query = request.getHttpURI().getQuery();
        if (match.routeId() == RouteId.BLOB_UPLOAD && "POST".equals(request.getMethod())) {
            query = withoutForeignMount(query);
        }
        primary.sendAdmitted(
                request,
                response,
                callback,
                record,
                primary.registry(),
                "primary",
                primary.target(request, query),
                fences.onWrite(request, response, match));
    }

    /** {@code query} without {@code mount} and {@code from} when {@code from} is another primary's repository. */
    private String withoutForeignMount(String query) {
        if (query == null || !query.contains("from=")) {
            return query;
        }
        String from = null;
        for (String part : query.split("&")) {
            if (part.startsWith("from=")) {
                from = URLDecoder.decode(part.substring("from=".length()), StandardCharsets.UTF_8);
            }
        }
        if (from == null || ownsRepository.test(from)) {
            return query;
        }
        StringBuilder kept = new StringBuilder();
        for (String part : query.split("&")) {
            if (part.startsWith("from=") || part.startsWith("mount=") || part.isEmpty()) {
                continue;
            }
            kept.append(kept.length() == 0 ? "" : "&").append(part);
        }
        return kept.length() == 0 ? null : kept.toString();
    }
}
