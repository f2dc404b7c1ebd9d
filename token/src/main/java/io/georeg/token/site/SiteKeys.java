package io.georeg.token.site;

import com.nimbusds.jose.JWSAlgorithm;
import io.georeg.token.LibtrustKeyId;
import java.security.PrivateKey;

/**
 * The site's signing key, which mints outage tokens ({@link OutageTokenSigner}, in the routers),
 * and the public keys its tokens are checked with ({@link #publicKeys()}). Loaded once from PEM
 * text (the configuration reads it from a file or secret); RSA of at least 2048 bits signs RS256,
 * EC P-256 signs ES256, anything else is refused with the key it came from. A process that only
 * verifies outage tokens (registry-read on its own) is given {@link SitePublicKeys} instead.
 */
public final class SiteKeys {
    private final PrivateKey signingKey;
    private final String signingKeyId;
    private final JWSAlgorithm algorithm;
    private final SitePublicKeys publicKeys;

    private SiteKeys(PemKeys.Read signing, SitePublicKeys publicKeys) {
        this.signingKey = signing.privateKey();
        this.signingKeyId = LibtrustKeyId.of(signing.publicKey());
        this.algorithm = PemKeys.algorithmOf(signing.publicKey(), "auth.outage.signingKey");
        this.publicKeys = publicKeys;
    }

    /**
     * @param signingKeyPem        the current private key
     * @param previousPublicKeyPem the retiring key's public (or private) key, or null/blank
     * @throws IllegalArgumentException naming the configuration key that is wrong
     */
    public static SiteKeys load(String signingKeyPem, String previousPublicKeyPem) {
        PemKeys.Read current = PemKeys.read(signingKeyPem, "auth.outage.signingKey");
        if (current.privateKey() == null) {
            throw new IllegalArgumentException(
                    "auth.outage.signingKey holds a public key: it must be the site's PEM private key");
        }
        return new SiteKeys(
                current, SitePublicKeys.of(current.publicKey(), SitePublicKeys.previous(previousPublicKeyPem)));
    }

    public PrivateKey signingKey() {
        return signingKey;
    }

    /** The {@code kid} of tokens this site signs now. */
    public String signingKeyId() {
        return signingKeyId;
    }

    /** RS256 or ES256. */
    public JWSAlgorithm algorithm() {
        return algorithm;
    }

    /** The keys a verifier of this site's tokens trusts: this key's public half and the previous key. */
    public SitePublicKeys publicKeys() {
        return publicKeys;
    }
}
