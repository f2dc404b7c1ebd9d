package io.georeg.token.site;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code auth.outage} settings: the site's own token signing key and the rules of outage
 * tokens, the pull-only tokens a router mints while the primary's token service is unreachable
 * (see {@code docs/security.md}). Read by the router (which signs and learns grants) and by
 * registry-read (which trusts the site's public keys beside the primary's bundle).
 *
 * @param issuer            the {@code iss} of outage tokens; names the site so that logs and
 *                          metrics tell them from the primary's, e.g. {@code georeg-site-b}
 * @param signingKey        PEM private key (PKCS#8, or PKCS#1 RSA / SEC1 EC), RSA ≥ 2048 bits
 *                          (RS256) or EC P-256 (ES256); usually {@code signingKeyFile} on a secret
 * @param previousPublicKey during a rotation, the PEM public (or private) key being retired: tokens
 *                          it signed stay valid until they expire; empty otherwise
 * @param tokenLifetime     lifetime of an outage token; never longer than the lifetime of the
 *                          primary's token the grant was learned from
 * @param grantWindow       how long after the primary granted a scope the router may grant it
 *                          again on its own; 0 turns outage tokens off
 * @param maxGrants         most grants kept in the shared table; the oldest are pruned first
 */
public record OutageTokenConfig(
        String issuer,
        String signingKey,
        String previousPublicKey,
        Duration tokenLifetime,
        Duration grantWindow,
        int maxGrants) {

    public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofMinutes(5);
    public static final Duration DEFAULT_GRANT_WINDOW = Duration.ofHours(24);
    public static final int DEFAULT_MAX_GRANTS = 100_000;

    public OutageTokenConfig {
        tokenLifetime = tokenLifetime == null ? DEFAULT_TOKEN_LIFETIME : tokenLifetime;
        grantWindow = grantWindow == null ? DEFAULT_GRANT_WINDOW : grantWindow;
        maxGrants = maxGrants == 0 ? DEFAULT_MAX_GRANTS : maxGrants;
    }

    /** No signing key, every rule at its default: off until a key is set. */
    public static OutageTokenConfig off() {
        return new OutageTokenConfig(null, null, null, null, null, 0);
    }

    /** Whether routers learn grants and mint outage tokens (a key is set and the window is not 0). */
    public boolean enabled() {
        return !blank(signingKey) && !grantWindow.isZero();
    }

    /** Every problem, each naming its {@code auth.outage.*} key and the fix; empty when valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (grantWindow.isNegative()) {
            problems.add(
                    "auth.outage.grantWindow must be 0 (off) or a positive duration such as 24h; got " + grantWindow);
        }
        if (blank(signingKey)) {
            return problems;
        }
        if (blank(issuer)) {
            problems.add(
                    "auth.outage.issuer is required with auth.outage.signingKey: a name for this site's outage tokens, e.g. georeg-site-b");
        }
        if (tokenLifetime.isZero() || tokenLifetime.isNegative() || tokenLifetime.compareTo(Duration.ofHours(1)) > 0) {
            problems.add(
                    "auth.outage.tokenLifetime must be between 1s and 1h (the primary's own lifetime caps it further); got "
                            + tokenLifetime);
        }
        if (maxGrants < 1) {
            problems.add("auth.outage.maxGrants must be at least 1; got " + maxGrants);
        }
        try {
            SiteKeys.load(signingKey, previousPublicKey);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        return problems;
    }

    @Override
    public String toString() {
        return "OutageTokenConfig[issuer=" + issuer + ", signingKey=" + (blank(signingKey) ? "none" : "<redacted>")
                + ", previousPublicKey=" + (blank(previousPublicKey) ? "none" : "set") + ", tokenLifetime="
                + tokenLifetime
                + ", grantWindow=" + grantWindow + ", maxGrants=" + maxGrants + "]";
    }

    static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
