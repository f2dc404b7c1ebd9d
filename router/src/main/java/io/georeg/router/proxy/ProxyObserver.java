package io.georeg.router.proxy;

/** What {@link StreamingProxy} reports about each upstream exchange (metrics, circuit breaker). */
public interface ProxyObserver {

    ProxyObserver NONE = new ProxyObserver() {};

    /** The upstream's status line and headers arrived {@code nanos} after the request was sent. */
    default void onServerToProxyHeaders(Upstream upstream, int status, long nanos) {}

    /** The exchange with the upstream failed (connect, timeout, reset) before it completed. */
    default void onUpstreamFailure(Upstream upstream, Throwable failure, boolean beforeResponse) {}
}
