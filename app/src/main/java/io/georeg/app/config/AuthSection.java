package io.georeg.app.config;

import io.georeg.token.TokenAuthConfig;
import io.georeg.token.TokenVerifier;
import io.georeg.token.site.OutageTokenConfig;
import io.georeg.token.site.SiteKeys;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code auth} section. {@code auth.token} ({@link TokenAuthConfig}, distribution's
 * {@code auth.token} model) turns bearer-token checks on; without it every pull is anonymous.
 * {@code auth.outage} ({@link OutageTokenConfig}) gives the site its own signing key, with which
 * routers mint pull-only outage tokens while the primary's token service is unreachable and which
 * registry-read trusts beside the primary's bundle; it needs {@code auth.token}.
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
            if (outage.signingKey() != null && !outage.signingKey().isBlank()) {
                problems.add(
                        "auth.outage.signingKey is set but auth.token is not: outage tokens stand in for the primary's tokens, configure auth.token first");
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

    /** The site's keys for verifiers, or null when {@code auth.outage} has no signing key. */
    public TokenVerifier.SiteTrust siteTrust() {
        if (outage.signingKey() == null || outage.signingKey().isBlank()) {
            return null;
        }
        return new TokenVerifier.SiteTrust(
                outage.issuer(), SiteKeys.load(outage.signingKey(), outage.previousPublicKey()));
    }
}
