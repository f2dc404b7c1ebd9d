package io.georeg.token.site;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code auth.outage} settings: the site's own token signing key and the rules of outage
 * tokens, the pull-only tokens a router mints while the primary's token service is unreachable
 * (see {@code docs/security.md}). Read by the router (which signs and learns grants) and by
 * registry-read (which trusts the site's public keys beside the primary's bundle): a registry-read
 * of its own is given {@code publicKey}, never the private {@code signingKey}.
 *
 * @param issuer            the {@code iss} of outage tokens; names the site so that logs and
 *                          metrics tell them from the primary's, e.g. {@code georeg-site-b}
 * @param signingKey        PEM private key (PKCS#8, or PKCS#1 RSA / SEC1 EC), RSA ≥ 2048 bits
 *                          (RS256) or EC P-256 (ES256); usually {@code signingKeyFile} on a secret;
 *                          routers only, since they alone mint outage tokens
 * @param publicKey         the PEM public key of {@code signingKey}, for a process that only
 *                          verifies outage tokens (registry-read on its own); beside a
 *                          {@code signingKey} it must be that key's public half
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
        String publicKey,
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
        return new OutageTokenConfig(null, null, null, null, null, null, 0);
    }

    /** Whether routers learn grants and mint outage tokens (a key is set and the window is not 0). */
    public boolean enabled() {
        return !blank(signingKey) && !grantWindow.isZero();
    }

    /** Whether this process is given a site key, private or public, so that it trusts outage tokens. */
    public boolean trustsSiteTokens() {
        return !blank(signingKey) || !blank(publicKey);
    }

    /**
     * The public keys that verify this site's outage tokens: {@code publicKey}'s, else the public
     * half of {@code signingKey} (a router, or registry-read hosted in its process); null without
     * either. Either way with {@code previousPublicKey} during a rotation.
     */
    public SitePublicKeys trustedKeys() {
        if (!blank(publicKey)) {
            return SitePublicKeys.load(publicKey, previousPublicKey);
        }
        return blank(signingKey)
                ? null
                : SiteKeys.load(signingKey, previousPublicKey).publicKeys();
    }

    /** Every problem, each naming its {@code auth.outage.*} key and the fix; empty when valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (grantWindow.isNegative()) {
            problems.add(
                    "auth.outage.grantWindow must be 0 (off) or a positive duration such as 24h; got " + grantWindow);
        }
        if (!trustsSiteTokens()) {
            return problems;
        }
        if (blank(issuer)) {
            problems.add(
                    "auth.outage.issuer is required with auth.outage.signingKey or publicKey: a name for this site's outage tokens, e.g. georeg-site-b");
        }
        if (!blank(publicKey)) {
            problems.addAll(publicKeyProblems());
        }
        if (blank(signingKey)) {
            return problems;
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

    /** {@code publicKey} readable, and beside a {@code signingKey} the public half of that key. */
    private List<String> publicKeyProblems() {
        try {
            SitePublicKeys.load(publicKey, previousPublicKey);
        } catch (IllegalArgumentException e) {
            return List.of(e.getMessage());
        }
        if (blank(signingKey)) {
            return List.of();
        }
        try {
            SitePublicKeys current = SitePublicKeys.load(publicKey, null);
            if (current.trusted(SiteKeys.load(signingKey, null).signingKeyId()) == null) {
                return List.of(
                        "auth.outage.publicKey is not the public half of auth.outage.signingKey: "
                                + "derive it with `openssl pkey -in site-key.pem -pubout`, or leave it out where the signing key is given");
            }
        } catch (IllegalArgumentException e) {
            return List.of(); // the signing key's own problem is reported once, below
        }
        return List.of();
    }

    @Override
    public String toString() {
        return "OutageTokenConfig[issuer=" + issuer + ", signingKey=" + (blank(signingKey) ? "none" : "<redacted>")
                + ", publicKey=" + (blank(publicKey) ? "none" : "set")
                + ", previousPublicKey=" + (blank(previousPublicKey) ? "none" : "set") + ", tokenLifetime="
                + tokenLifetime
                + ", grantWindow=" + grantWindow + ", maxGrants=" + maxGrants + "]";
    }

    static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
