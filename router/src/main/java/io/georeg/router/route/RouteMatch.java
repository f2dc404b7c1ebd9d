package io.georeg.router.route;

/**
 * The result of classifying a request: the first route that matched, and what its pattern
 * captured ({@code repository} and {@code reference} are null when the route has none).
 */
public record RouteMatch(Route route, String repository, String reference) {

    public Destination destination() {
        return route.destination();
    }

    public RouteId routeId() {
        return route.id();
    }
}
