package io.georeg.router;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which primary's token service a token request goes to when one hostname serves several primaries,
 * decided from its {@code scope} parameters (distribution's token spec: {@code scope=repository:<name>:<actions>},
 * repeated for several repositories). The clients send several repository scopes in one request when
 * they try a cross-repository blob mount: docker and containerd ask for {@code push,pull} on the target
 * and {@code pull} on the mount's source, skopeo (containers/image) the same when its blob cache knows
 * the blob in another repository of the registry. So the request goes to the owner of the first scope
 * with {@code push} (or {@code *}) — the repository the client writes to — else of the first
 * repository scope, else (a login: no scope, or only {@code registry:catalog:*}) to the default
 * primary. Scopes of repositories another primary owns are removed from the forwarded query: that
 * primary's token service alone can grant them, and a token of one primary is never accepted for
 * another's repositories; the cross-cell mount those scopes were for is declined by the router
 * anyway. The {@code service} parameter is set to the chosen primary's: a client takes it from the
 * first challenge of the one hostname (its base {@code /v2/}, the default primary's), and each token
 * service accepts only its own. Pure; called by the router's dispatcher, tested as a table.
 */
final class TokenScopes {
    private TokenScopes() {}

    /** Where a token request goes and the query it is sent with. */
    record Choice(String owner, String query) {}

    /**
     * Where a token request goes; empty when one of its {@code scope} parameters cannot be decoded
     * (a malformed percent escape): which primary it names cannot be told, so it goes to none.
     *
     * @param query   the request's raw query, or null
     * @param ownerOf the owner of a repository, empty when none
     * @param fallback the owner of a request without an owned repository scope
     * @param serviceOf the {@code service} of an owner's token service, null to keep the client's
     */
    static Optional<Choice> choose(
            String query,
            Function<String, Optional<String>> ownerOf,
            String fallback,
            Function<String, String> serviceOf) {
        List<String[]> params = new ArrayList<>();
        if (query != null && !query.isEmpty()) {
            for (String part : query.split("&")) {
                int eq = part.indexOf('=');
                String name = eq < 0 ? part : part.substring(0, eq);
                params.add(new String[] {name, eq < 0 ? null : part.substring(eq + 1)});
            }
        }
        String pushOwner = null;
        String firstOwner = null;
        for (String[] p : params) {
            Scope scope;
            try {
                scope = Scope.of(p);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            if (scope == null) {
                continue;
            }
            Optional<String> owner = ownerOf.apply(scope.repository());
            if (owner.isEmpty()) {
                continue;
            }
            if (firstOwner == null) {
                firstOwner = owner.get();
            }
            if (pushOwner == null && scope.writes()) {
                pushOwner = owner.get();
            }
        }
        String owner = pushOwner != null ? pushOwner : firstOwner != null ? firstOwner : fallback;
        String service = serviceOf.apply(owner);
        StringBuilder kept = new StringBuilder();
        for (String[] p : params) {
            Scope scope = Scope.of(p);
            if (scope != null
                    && !ownerOf.apply(scope.repository()).map(owner::equals).orElse(false)) {
                continue;
            }
            if (service != null && "service".equals(p[0])) {
                p = new String[] {p[0], URLEncoder.encode(service, StandardCharsets.UTF_8)};
            }
            if (kept.length() > 0) {
                kept.append('&');
            }
            kept.append(p[0]);
            if (p[1] != null) {
                kept.append('=').append(p[1]);
            }
        }
        return Optional.of(new Choice(owner, kept.length() == 0 ? null : kept.toString()));
    }

    /**
     * Whether a token request asks for more than reading: {@code push}, {@code delete} or every
     * action ({@code *}) on a repository, in any of its decoded {@code scope} values (a query's or an
     * OAuth2 form's; repeated, or several in one, space-separated). A login (no scope) and pulls do
     * not. While the routers are frozen for a promotion, such a request is the first step of a write
     * and refused like the write itself; the others go on to the token service, because pulls go
     * on. A request whose scopes cannot be decoded is taken as asking to write, since what it asks
     * cannot be told ({@link io.georeg.router.outage.TokenRequest#mayAskToWrite}).
     */
    static boolean scopesAskToWrite(List<String> scopeValues) {
        for (String value : scopeValues) {
            for (String one : value.strip().split(" +")) {
                Scope scope = Scope.parse(one);
                if (scope != null && scope.writes()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A {@code repository:<name>:<actions>} scope; other scope types ({@code registry:catalog:*}) are not a repository's. */
    private record Scope(String repository, List<String> actions) {
        static Scope of(String[] param) {
            if (!"scope".equals(param[0]) || param[1] == null) {
                return null;
            }
            String value = URLDecoder.decode(param[1], StandardCharsets.UTF_8);
            // A client may put several space-separated scopes in one parameter; the first decides its kind.
            return parse(value.strip().split(" ")[0]);
        }

        /** One scope, or null when it is not a repository's. */
        static Scope parse(String scope) {
            if (!scope.startsWith("repository:")) {
                return null;
            }
            int lastColon = scope.lastIndexOf(':');
            if (lastColon <= "repository:".length()) {
                return null;
            }
            String name = scope.substring("repository:".length(), lastColon);
            return new Scope(name, Arrays.asList(scope.substring(lastColon + 1).split(",")));
        }

        boolean writes() {
            return actions.contains("push") || actions.contains("*") || actions.contains("delete");
        }
    }

    /** For tests: the query parameter of a repository scope. */
    static String scope(String repository, String actions) {
        return "scope=" + URLEncoder.encode("repository:" + repository + ":" + actions, StandardCharsets.UTF_8);
    }
}
