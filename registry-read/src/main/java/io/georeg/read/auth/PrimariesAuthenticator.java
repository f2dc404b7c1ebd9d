package io.georeg.read.auth;

import io.georeg.oci.NamespaceOwners;
import io.georeg.read.api.OciHttpException;
import io.georeg.token.AccessRequest;
import java.util.Map;
import java.util.Objects;

/**
 * Bearer-token authorization of a secondary that serves several primaries, each with its own token
 * service (its own issuer, signing certificates and {@code service}): a repository's content is
 * authorized by the {@link TokenAuthenticator} of the primary that owns the repository
 * ({@link NamespaceOwners}), so a token one primary signed never opens another primary's
 * repositories, and a challenge names the owner's {@code service} (the client then asks the router
 * for a token with it, and the router sends that request to the owner's token service). The
 * catalog is the default primary's (the first one's without a default); the base endpoint
 * {@code /v2/} takes a token of any primary. Built by the app from {@code primaries}.
 */
public final class PrimariesAuthenticator implements Authenticator {
    private final Map<String, TokenAuthenticator> byPrimary;
    private final NamespaceOwners owners;
    private final TokenAuthenticator fallback;

    /**
     * @param byPrimary    each primary's authenticator
     * @param owners       which primary owns a repository
     * @param fallbackName the primary whose tokens the catalog and unowned names take
     */
    public PrimariesAuthenticator(
            Map<String, TokenAuthenticator> byPrimary, NamespaceOwners owners, String fallbackName) {
        this.byPrimary = Map.copyOf(byPrimary);
        this.owners = owners;
        this.fallback = Objects.requireNonNull(this.byPrimary.get(fallbackName), fallbackName);
    }

    @Override
    public void authorize(String authorization, AccessRequest access) {
        if (access == null) {
            OciHttpException first = null;
            for (TokenAuthenticator a : byPrimary.values()) {
                try {
                    a.authorize(authorization, null);
                    return;
                } catch (OciHttpException e) {
                    first = first == null ? e : first;
                }
            }
            // The default primary's challenge: a login is that primary's.
            fallback.authorize(authorization, null);
            throw first;
        }
        TokenAuthenticator owner = "repository".equals(access.type())
                ? owners.ownerOf(access.name()).map(byPrimary::get).orElse(fallback)
                : fallback;
        owner.authorize(authorization, access);
    }
}
