package io.georeg.router;

import io.georeg.router.route.RouteId;

/**
 * What the access log says about one request, filled in as the request is routed: its id (the
 * client's {@code X-Request-Id} when it sent a sane one), the route id, where it was answered
 * from, whether a fallback happened, and with several primaries which one's legs took it. Kept as a request attribute by {@link AccessLogHandler};
 * written by the route legs ({@link RouteLeg}), possibly from another thread than the one that created it.
 */
final class RequestRecord {
    static final String ATTRIBUTE = RequestRecord.class.getName();

    private final String requestId;
    private volatile String routeId = "-";
    private volatile String destination = "-";
    private volatile boolean fallback;
    /** With several primaries, the one whose legs took the request; null with one, or none chosen. */
    private volatile String primary;

    RequestRecord(String requestId) {
        this.requestId = requestId;
    }

    String requestId() {
        return requestId;
    }

    String routeId() {
        return routeId;
    }

    String destination() {
        return destination;
    }

    boolean fallback() {
        return fallback;
    }

    String primary() {
        return primary;
    }

    /** The request took the legs of primary {@code name} (set with several primaries only). */
    void primary(String name) {
        this.primary = name;
    }

    void routed(RouteId routeId, String destination) {
        this.routeId = routeId.label();
        this.destination = destination;
    }

    void fellBack(String destination) {
        this.destination = destination;
        this.fallback = true;
    }
}
