package io.georeg.router.route;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The router's route table: the one ordered list of {@link Route}s, first match wins, and an
 * explicit default (to the primary) for everything no row claims — in the spirit of GitLab
 * Workhorse's route list and distribution's {@code v2} router. {@link #classify} is a pure
 * function of method and raw path, so the whole table is unit-tested without Jetty.
 *
 * <p>Built by {@link #oci(String)}; the request dispatcher in {@code io.georeg.router} is its
 * only runtime caller.
 */
public final class RouteTable {

    /** Longest path the table will look at; longer ones go to the default (the primary decides). */
    static final int MAX_PATH_LENGTH = 4096;

    private static final Set<String> READ = Set.of("GET", "HEAD");
    private static final Set<String> ANY = Set.of();

    // OCI distribution spec, "Pulling manifests": repository name grammar, tag and digest grammar.
    private static final String COMPONENT = "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*";
    private static final String NAME = "(?<name>" + COMPONENT + "(?:/" + COMPONENT + ")*)";
    private static final String TAG = "[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}";
    private static final String DIGEST = "[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+";
    private static final String REFERENCE = "(?<reference>" + TAG + "|" + DIGEST + ")";

    private final List<Route> routes;
    private final Route defaultRoute;

    public RouteTable(List<Route> routes, Route defaultRoute) {
        this.routes = List.copyOf(routes);
        this.defaultRoute = Objects.requireNonNull(defaultRoute, "defaultRoute");
    }

    /**
     * The georeg table. {@code authPath} is the path of the primary's token endpoint as the
     * public URL shows it (GitLab: {@code /jwt/auth}).
     */
    public static RouteTable oci(String authPath) {
        if (authPath == null || !authPath.startsWith("/") || authPath.startsWith("/v2/") || authPath.equals("/v2")) {
            throw new IllegalArgumentException("auth path must be an absolute path outside /v2/, got " + authPath);
        }
        String v2 = "/v2/" + NAME;
        return new RouteTable(List.of(
                // Paths a proxy and its upstream could resolve differently are refused before
                // anything else is looked at (CVE-class "path confusion" between proxy and origin).
                // One forward scan for the forbidden sequences (each on every request).
                Route.of("ambiguous-path", ANY, "(?is)(?:.*?(?:%2e|%2f|%5c|%00|\\\\|//).*|(?:.*/)?\\.\\.?(?:/.*)?|[^/].*|)", Destination.REJECT),
                Route.of("health", READ, "/-/health|/-/ready", Destination.LOCAL),
                Route.of("metrics", READ, "/metrics", Destination.LOCAL),
                // The replication status page, served by the process's own handler (the app wires it).
                Route.of("status", READ, "/-/status|/-/status\\.json", Destination.LOCAL),
                // The admin API of georeg drill and promote (bearer admin token; 404 when not configured).
                Route.of("admin", Set.of("GET", "PUT"), "/-/admin/[a-z]+", Destination.LOCAL),
                Route.of("token", ANY, java.util.regex.Pattern.quote(authPath), Destination.AUTH),
                // Upload sessions live on the primary only; GET of an upload is its status.
                Route.of("blob-upload", ANY, v2 + "/blobs/uploads/(?:[^/]*)", Destination.PRIMARY),
                Route.of("base", READ, "/v2/?", Destination.REPLICA),
                Route.of("catalog", READ, "/v2/_catalog", Destination.REPLICA),
                Route.of("manifest-read", READ, v2 + "/manifests/" + REFERENCE, Destination.REPLICA),
                Route.of("blob-read", READ, v2 + "/blobs/(?<reference>" + DIGEST + ")", Destination.REPLICA),
                Route.of("tags-list", READ, v2 + "/tags/list", Destination.REPLICA),
                Route.of("referrers", READ, v2 + "/referrers/(?<reference>" + DIGEST + ")", Destination.REPLICA),
                Route.of("manifest-write", Set.of("PUT", "DELETE"), v2 + "/manifests/" + REFERENCE, Destination.PRIMARY),
                Route.of("blob-delete", Set.of("DELETE"), v2 + "/blobs/(?<reference>" + DIGEST + ")", Destination.PRIMARY)),
                Route.of("default-primary", ANY, ".*", Destination.PRIMARY));
    }

    /**
     * Classifies a request. {@code rawTarget} is the path as received (still percent-encoded),
     * optionally followed by {@code ?query}, which is ignored.
     */
    public RouteMatch classify(String method, String rawTarget) {
        String path = rawTarget == null ? "" : rawTarget;
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (path.length() > MAX_PATH_LENGTH) {
            return new RouteMatch(defaultRoute, null, null);
        }
        for (Route route : routes) {
            RouteMatch match = route.match(method, path);
            if (match != null) {
                return match;
            }
        }
        return new RouteMatch(defaultRoute, null, null);
    }

    public List<Route> routes() {
        return routes;
    }

    public Route defaultRoute() {
        return defaultRoute;
    }
}
