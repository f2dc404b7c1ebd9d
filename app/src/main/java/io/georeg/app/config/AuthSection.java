package io.georeg.app.config;

import io.georeg.token.TokenAuthConfig;
import io.georeg.token.TokenVerifier;
import io.georeg.token.site.OutageTokenConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code auth} section. {@code auth.token} ({@link TokenAuthConfig}, distribution's
 * {@code auth.token} model) turns bearer-token checks on; without it every pull is anonymous.
 * {@code auth.outage} ({@link OutageTokenConfig}) gives the site its own signing key, with which
 * routers mint pull-only outage tokens while the primary's token service is unreachable, and whose
 * public half ({@code auth.outage.publicKey} where registry-read runs on its own) registry-read
 * trusts beside the primary's bundle; it needs {@code auth.token}.
 */
public record AuthSection(TokenAuthConfig token, OutageTokenConfig outage) {

    public AuthSection {
        outage = outage == null ? OutageTokenConfig.off() : outage;
    }

    /** Token auth without outage tokens. */
    public AuthSection(TokenAuthConfig token) {
        this(token, null);
    }

    List<String> problems() {
        List<String> problems = new ArrayList<>(outage.problems());
        if (token == null) {
            if (outage.trustsSiteTokens()) {
                problems.add(
                        "auth.outage.signingKey or publicKey is set but auth.token is not: outage tokens stand in for the primary's tokens, configure auth.token first");
            }
            return problems;
        }
        try {
            token.validate();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        return problems;
    }

    /** The site's public keys for verifiers, or null when {@code auth.outage} has neither key. */
    public TokenVerifier.SiteTrust siteTrust() {
        return outage.trustsSiteTokens() ? new TokenVerifier.SiteTrust(outage.issuer(), outage.trustedKeys()) : null;
    }
}
