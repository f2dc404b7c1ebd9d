package io.georeg.read.auth;

import io.georeg.token.AccessRequest;

/**
 * Decides whether a request may do what it asks. Called by the API resource before it touches
 * the replica; implementations are {@link #anonymous()} (auth off) and
 * {@link TokenAuthenticator} (distribution's {@code auth.token} model).
 */
public interface Authenticator {

    /**
     * Returns normally when the request is allowed.
     *
     * @param authorization the request's {@code Authorization} header, or null
     * @param access what the request needs, or null when it needs only to be authenticated
     *     ({@code GET /v2/})
     * @throws io.georeg.read.api.OciHttpException UNAUTHORIZED (401) with a
     *     {@code WWW-Authenticate} challenge
     */
    void authorize(String authorization, AccessRequest access);

    /** Every request is allowed: registry-read without {@code auth}. */
    static Authenticator anonymous() {
        return (authorization, access) -> {};
    }
}
