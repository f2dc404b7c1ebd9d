package io.georeg.oci;

/**
 * What a client's request may hold, alike at every georeg listener and on the router's way to the
 * primary: a request the router's public listener takes must also be taken by registry-read
 * behind it and be forwardable to the primary, or it fails half-way (a 431 from registry-read, a
 * 503 "unreachable" from the router's client).
 */
public final class RequestLimits {
    /**
     * Request headers, in bytes. Bearer tokens with many scopes are large; Jetty's default (8 KiB)
     * refused them.
     */
    public static final int MAX_HEADER_BYTES = 32 * 1024;

    private RequestLimits() {}
}
