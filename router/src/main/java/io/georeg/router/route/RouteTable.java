package io.georeg.router.route;

import static io.georeg.router.route.RouteId.ADMIN;
import static io.georeg.router.route.RouteId.BASE;
import static io.georeg.router.route.RouteId.BLOB_DELETE;
import static io.georeg.router.route.RouteId.BLOB_READ;
import static io.georeg.router.route.RouteId.BLOB_UPLOAD;
import static io.georeg.router.route.RouteId.CATALOG;
import static io.georeg.router.route.RouteId.HEALTH;
import static io.georeg.router.route.RouteId.MANIFEST_READ;
import static io.georeg.router.route.RouteId.MANIFEST_WRITE;
import static io.georeg.router.route.RouteId.METRICS;
import static io.georeg.router.route.RouteId.REFERRERS;
import static io.georeg.router.route.RouteId.STATUS;
import static io.georeg.router.route.RouteId.TAGS_LIST;
import static io.georeg.router.route.RouteId.TOKEN;

import io.georeg.oci.PathGrammar;
import io.georeg.oci.ReadEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The router's route table: the one ordered list of {@link Route}s, first match wins, and an
 * explicit default (to the primary) for everything no row claims — in the spirit of GitLab
 * Workhorse's route list and distribution's {@code v2} router. Before any row, a method outside
 * {@link #API_METHODS} is classified {@link RouteId#METHOD_NOT_ALLOWED} and a path that
 * {@link PathGrammar#ambiguity} refuses {@link RouteId#AMBIGUOUS_PATH}. The name,
 * tag and digest patterns are {@link PathGrammar}'s, the same ones registry-read parses paths
 * with. {@link #classify} is a pure function of method and raw path, so the whole table is
 * unit-tested without Jetty.
 *
 * <p>Built by {@link #oci(String)}; the request dispatcher in {@code io.georeg.router} is its
 * only runtime caller, once per request. Since classification is pure, the answers of recent
 * paths are remembered ({@link #MEMO_SLOTS} of them, each slot holding the last path whose hash
 * led there): pulls ask for the same manifests and blobs again and again, and looking a path up
 * costs a hash and a comparison where matching it runs the rows' regexes (a name's pattern
 * backtracks over every path segment). A JFR CPU-time profile of the proxied manifest GET put
 * classification at 3.4% of the router's samples.
 */
public final class RouteTable {

    /** Longest path the table will match; longer ones go to the default (the primary decides). */
    static final int MAX_PATH_LENGTH = PathGrammar.MAX_PATH_LENGTH;

    /**
     * The methods a request may have to be routed at all, the default route included: those of the
     * distribution API (OCI distribution spec, "Endpoints": GET, HEAD, PUT, POST, PATCH, DELETE; the
     * token endpoint takes GET and POST) and OPTIONS, which a browser's CORS preflight sends to a
     * primary that a registry web UI talks to (the primary decides, as before). Anything else is
     * refused ({@link RouteId#METHOD_NOT_ALLOWED}) instead of going to the primary by default: no
     * client of the API sends it, and the method of a request line corrupted in front of its
     * {@code GET} (once seen: another client's header bytes, {@code pppp…GET}) is not one either.
     */
    public static final Set<String> API_METHODS = Set.of("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS");

    private static final Set<String> READ = Set.of("GET", "HEAD");
    private static final Set<String> ANY = Set.of();

    private static final String NAME = "(?<name>" + PathGrammar.NAME + ")";
    private static final String REFERENCE = "(?<reference>" + PathGrammar.TAG + "|" + PathGrammar.DIGEST + ")";
    private static final String DIGEST = "(?<reference>" + PathGrammar.DIGEST + ")";

    /** The row of refused paths; its pattern is never matched ({@link PathGrammar#ambiguity} decides). */
    private static final Route AMBIGUOUS = Route.of(RouteId.AMBIGUOUS_PATH, ANY, "", Destination.REJECT);

    private static final Route TOO_LONG = Route.of(RouteId.PATH_TOO_LONG, ANY, "", Destination.REJECT);

    /** The row of refused methods; its pattern is never matched ({@link #API_METHODS} decides). */
    private static final RouteMatch METHOD_NOT_ALLOWED =
            new RouteMatch(Route.of(RouteId.METHOD_NOT_ALLOWED, ANY, "", Destination.REJECT), null, null);

    /**
     * Slots of remembered classifications (a power of two): bounded whatever clients send (paths
     * over {@link #MAX_PATH_LENGTH} are not remembered), and paths that collide only cost their
     * match, as every path did before.
     */
    static final int MEMO_SLOTS = 512;

    private final List<Route> routes;
    private final Route defaultRoute;
    /**
     * Remembered classifications by the hash of method and path, written and read without a lock:
     * a {@link Memo}'s fields are final, so a thread sees a whole one or none, and a slot lost to
     * another thread's write only costs a match.
     */
    private final Memo[] memo = new Memo[MEMO_SLOTS];

    private record Memo(String method, String path, RouteMatch match) {}

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
        return new RouteTable(
                List.of(
                        Route.of(HEALTH, READ, "/-/health|/-/ready", Destination.LOCAL),
                        Route.of(METRICS, READ, "/metrics", Destination.LOCAL),
                        // The replication status page, served by the process's own handler (the app wires it).
                        Route.of(STATUS, READ, "/-/status|/-/status\\.json", Destination.LOCAL),
                        // The admin API of georeg drill and promote (bearer admin token; 404 when not configured).
                        Route.of(ADMIN, Set.of("GET", "PUT"), "/-/admin/[a-z]+", Destination.LOCAL),
                        Route.of(TOKEN, ANY, Pattern.quote(authPath), Destination.AUTH),
                        // Upload sessions live on the primary only; GET of an upload is its status.
                        Route.of(BLOB_UPLOAD, ANY, v2 + "/blobs/uploads/(?:[^/]*)", Destination.PRIMARY),
                        // The replica's rows take the methods registry-read serves (ReadEndpoint): any
                        // other method of these paths (HEAD of a tags list, OPTIONS) is the primary's
                        // to answer, as the one URL answers it.
                        Route.of(BASE, ReadEndpoint.BASE.methods(), "/v2/?", Destination.REPLICA),
                        Route.of(CATALOG, ReadEndpoint.CATALOG.methods(), "/v2/_catalog", Destination.REPLICA),
                        Route.of(
                                MANIFEST_READ,
                                ReadEndpoint.MANIFEST.methods(),
                                v2 + "/manifests/" + REFERENCE,
                                Destination.REPLICA),
                        Route.of(BLOB_READ, ReadEndpoint.BLOB.methods(), v2 + "/blobs/" + DIGEST, Destination.REPLICA),
                        Route.of(TAGS_LIST, ReadEndpoint.TAGS_LIST.methods(), v2 + "/tags/list", Destination.REPLICA),
                        Route.of(
                                REFERRERS,
                                ReadEndpoint.REFERRERS.methods(),
                                v2 + "/referrers/" + DIGEST,
                                Destination.REPLICA),
                        Route.of(
                                MANIFEST_WRITE,
                                Set.of("PUT", "DELETE"),
                                v2 + "/manifests/" + REFERENCE,
                                Destination.PRIMARY),
                        Route.of(BLOB_DELETE, Set.of("DELETE"), v2 + "/blobs/" + DIGEST, Destination.PRIMARY)),
                Route.of(RouteId.DEFAULT_PRIMARY, ANY, ".*", Destination.PRIMARY));
    }

    /**
     * Classifies a request. {@code rawTarget} is the path as received (still percent-encoded),
     * optionally followed by {@code ?query}, which is ignored.
     */
    public RouteMatch classify(String method, String rawTarget) {
        if (!API_METHODS.contains(method)) {
            // Before the memo: a client's junk methods (up to the header limit long) are not kept.
            return METHOD_NOT_ALLOWED;
        }
        String path = rawTarget == null ? "" : rawTarget;
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        int hash = method.hashCode() * 31 + path.hashCode();
        int slot = (hash ^ (hash >>> 16)) & (MEMO_SLOTS - 1);
        Memo known = memo[slot];
        if (known != null && known.path.equals(path) && known.method.equals(method)) {
            return known.match;
        }
        RouteMatch match = match(method, path);
        if (path.length() <= MAX_PATH_LENGTH) {
            memo[slot] = new Memo(method, path, match);
        }
        return match;
    }

    /** The first row that matches the path (without its query), as {@link #classify} answers. */
    private RouteMatch match(String method, String path) {
        // Paths a proxy and its upstream could resolve differently are refused before anything
        // else is looked at (CVE-class "path confusion" between proxy and origin), long ones too.
        if (PathGrammar.ambiguity(path) != null) {
            return new RouteMatch(AMBIGUOUS, null, null);
        }
        if (path.length() > MAX_PATH_LENGTH) {
            // Not proxied either: the primary would only fail on it, and no API path is this long.
            return new RouteMatch(TOO_LONG, null, null);
        }
        for (Route route : routes) {
            RouteMatch match = route.match(method, path);
            if (match != null) {
                return match;
            }
        }
        return new RouteMatch(defaultRoute, null, null);
    }

    /** The rows after the ambiguous-path check, in order. */
    public List<Route> routes() {
        return routes;
    }

    /**
     * Every row a request can be classified to: the refusals of methods, ambiguous and too long
     * paths, the rows, and the default (the router's metrics export each one's requests from the start).
     */
    public List<Route> allRows() {
        List<Route> all = new ArrayList<>(List.of(METHOD_NOT_ALLOWED.route(), AMBIGUOUS, TOO_LONG));
        all.addAll(routes);
        all.add(defaultRoute);
        return all;
    }

    public Route defaultRoute() {
        return defaultRoute;
    }
}
