package io.georeg.router;

import io.georeg.oci.ErrorCode;
import io.georeg.oci.NamespaceOwners;
import io.georeg.router.proxy.OciErrorResponse;
import io.georeg.router.route.RouteMatch;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The legs of every primary, and which one a request takes: the owner of the repository its path
 * names ({@link NamespaceOwners}, longest namespace first), so writes, upload sessions (whose
 * {@code Location} names the repository, and so keeps reaching the primary that issued it), fallback
 * and fenced reads of a repository all go to its primary; token requests by their scopes
 * ({@link TokenScopes}), a {@code GET}'s only. Requests that name no repository (the base {@code /v2/}, the catalog, paths
 * the route table does not know) take the default primary's legs, or the first primary's when
 * there is no default. A repository no primary owns gets 404 {@code NAME_UNKNOWN}. With one primary
 * every request takes its legs. Built by {@link Router}, asked by {@link RoutingHandler}.
 */
final class CellLegs {
    /** One primary's legs. */
    record Legs(TokenRoute token, RouteLeg write, RouteLeg read, String service) {}

    private final Map<String, Legs> byCell;
    /** Each primary's write and read legs; with several, they note the primary for the access log. */
    private final Map<String, RouteLeg> writes = new HashMap<>();

    private final Map<String, RouteLeg> reads = new HashMap<>();
    private final NamespaceOwners owners;
    private final String fallbackCell;
    private final RouterMetrics metrics;
    private final RouteLeg tokenByScope = new TokenByScope();
    private final RouteLeg nameUnknown = new NameUnknown();

    /** @param fallbackCell the primary of requests that name no repository */
    CellLegs(Map<String, Legs> byCell, NamespaceOwners owners, String fallbackCell, RouterMetrics metrics) {
        this.byCell = Map.copyOf(byCell);
        this.owners = owners;
        this.fallbackCell = fallbackCell;
        this.metrics = metrics;
        boolean several = byCell.size() > 1;
        byCell.forEach((cell, legs) -> {
            writes.put(cell, several ? new ToPrimary(cell, legs.write()) : legs.write());
            reads.put(cell, several ? new ToPrimary(cell, legs.read()) : legs.read());
        });
    }

    RouteLeg token() {
        return tokenByScope;
    }

    /** The write leg of the repository's primary. */
    RouteLeg write(RouteMatch match) {
        return cellOf(match).map(writes::get).orElse(nameUnknown);
    }

    /** The read leg of the repository's primary. */
    RouteLeg read(RouteMatch match) {
        return cellOf(match).map(reads::get).orElse(nameUnknown);
    }

    private Optional<String> cellOf(RouteMatch match) {
        if (match.repository() == null) {
            return Optional.of(fallbackCell);
        }
        return owners.ownerOf(match.repository());
    }

    /** One primary's leg among several: the request's access log line says which primary took it. */
    private record ToPrimary(String primary, RouteLeg leg) implements RouteLeg {
        @Override
        public boolean mayBlock(RouteMatch match) {
            return leg.mayBlock(match);
        }

        @Override
        public void answer(
                Request request, Response response, Callback callback, RequestRecord record, RouteMatch match)
                throws Exception {
            record.primary(primary);
            leg.answer(request, response, callback, record, match);
        }
    }

    /** Token requests: to the token service of the primary their scopes choose, with that primary's scopes only. */
    private final class TokenByScope implements RouteLeg {
        @Override
        public boolean mayBlock(RouteMatch match) {
            return byCell.values().stream().anyMatch(l -> l.token().mayBlock(match));
        }

        @Override
        public void answer(
                Request request, Response response, Callback callback, RequestRecord record, RouteMatch match)
                throws Exception {
            if (byCell.size() == 1) {
                byCell.get(fallbackCell).token().answer(request, response, callback, record, match);
                return;
            }
            if (HttpMethod.POST.is(request.getMethod())) {
                // An OAuth2 token request (RFC 6749 section 4.3: containerd's first try when it has credentials)
                // carries its scopes, and its service, in a form body. The router reads such a form (the frozen
                // check and the outage shield do) but forwards it as sent: routing it would mean cutting the
                // other primaries' scopes out of it and setting its service, as TokenScopes does to a query,
                // and a token service must get a client's form unchanged. 404 is what GitLab's /jwt/auth
                // answers a POST, and clients then ask again with GET, the scopes in the query.
                metrics.routed(record, match, "reject");
                OciErrorResponse.send(
                        response,
                        callback,
                        ErrorCode.NOT_FOUND,
                        "with several primaries, token requests are routed by the scope parameters of a GET: ask with GET");
                return;
            }
            Optional<TokenScopes.Choice> routed = TokenScopes.choose(
                    request.getHttpURI().getQuery(),
                    owners::ownerOf,
                    fallbackCell,
                    cell -> byCell.get(cell).service());
            if (routed.isEmpty()) {
                metrics.routed(record, match, "reject");
                OciErrorResponse.send(
                        response,
                        callback,
                        ErrorCode.DENIED,
                        "a scope parameter of this token request cannot be decoded (a malformed percent escape):"
                                + " with several primaries, the primary whose token service may grant it cannot be told");
                return;
            }
            TokenScopes.Choice choice = routed.get();
            record.primary(choice.owner());
            byCell.get(choice.owner()).token().answer(request, response, callback, record, match, choice.query());
        }
    }

    /** A repository no primary owns and no default primary: distribution's answer to a repository it does not know. */
    private final class NameUnknown implements RouteLeg {
        @Override
        public void answer(
                Request request, Response response, Callback callback, RequestRecord record, RouteMatch match) {
            metrics.routed(record, match, "name-unknown");
            OciErrorResponse.send(
                    response,
                    callback,
                    ErrorCode.NAME_UNKNOWN,
                    "no primary registry owns repository " + match.repository()
                            + ": its namespace is not listed under any primary and there is no default primary");
        }
    }
}
