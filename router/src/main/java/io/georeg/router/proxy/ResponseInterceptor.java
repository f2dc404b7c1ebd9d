package io.georeg.router.proxy;

import org.eclipse.jetty.io.Content;

/**
 * Lets the caller of {@link StreamingProxy} look at a small upstream answer before the client
 * sees anything: the replica's 404 before a fallback, the primary's 201 to a manifest PUT before
 * its write fence is recorded. Everything else streams.
 *
 * <p>Every method is called on the upstream client's I/O thread (its transport is {@code
 * NON_BLOCKING}): none may block; a database round trip goes to a thread of its own, and {@code
 * release} or the answer is sent from there.
 */
public interface ResponseInterceptor {

    /** Streams every answer unchanged. */
    ResponseInterceptor NONE = response -> false;

    /**
     * Called with the server→proxy status and headers. True holds the answer: its body (up to
     * the configured limit; a larger one streams after all) is collected and handed to
     * {@link #onHeld}.
     */
    boolean hold(org.eclipse.jetty.client.Response serverToProxyResponse);

    /**
     * Called once a held answer is complete. Run {@code release} (on any thread) to send it to
     * the client as is, or answer the client some other way and do not run it.
     */
    default void onHeld(HeldResponse held, Runnable release) {
        release.run();
    }

    /**
     * Called when the exchange failed before the upstream answered anything (refused, timed
     * out). True means the interceptor took over the client response (e.g. asked another
     * upstream); false lets the proxy answer with a 503.
     */
    default boolean takeOverFailure(Throwable failure) {
        return false;
    }

    /**
     * The proxy→server body: the client's as it is, or wrapped by an interceptor that keeps a
     * copy as it streams (the fence of a manifest push reads the manifest's {@code subject}).
     */
    default Content.Source requestBody(Content.Source clientToProxyBody) {
        return clientToProxyBody;
    }

    /** A complete, held upstream answer. */
    record HeldResponse(org.eclipse.jetty.client.Response response, byte[] body) {
        public int status() {
            return response.getStatus();
        }
    }
}
