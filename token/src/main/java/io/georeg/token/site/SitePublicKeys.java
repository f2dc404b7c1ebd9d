package io.georeg.token.site;

import io.georeg.token.LibtrustKeyId;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The public keys whose outage tokens this site trusts, by libtrust key ID (the {@code kid} of a
 * token's header, distribution's convention): the current key and, during a rotation, the previous
 * one, so tokens signed just before the switch stay valid until they expire. This is all a verifier
 * holds — registry-read is given the public keys alone ({@code auth.outage.publicKey}), never the
 * private key that mints tokens ({@link SiteKeys}, routers only). Read by {@code TokenVerifier}.
 */
public final class SitePublicKeys {
    private final Map<String, PublicKey> trusted;

    private SitePublicKeys(PublicKey current, String currentKey, PublicKey previous) {
        PemKeys.algorithmOf(current, currentKey);
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        keys.put(LibtrustKeyId.of(current), current);
        if (previous != null) {
            PemKeys.algorithmOf(previous, "auth.outage.previousPublicKey");
            keys.putIfAbsent(LibtrustKeyId.of(previous), previous);
        }
        this.trusted = Map.copyOf(keys);
    }

    /**
     * The keys of a verifier that is given public keys only.
     *
     * @param publicKeyPem         {@code auth.outage.publicKey}: the current key's PEM public key; a
     *                             private key is refused, it does not belong on a verifier
     * @param previousPublicKeyPem the retiring key's public (or private) key, or null/blank
     * @throws IllegalArgumentException naming the configuration key that is wrong
     */
    public static SitePublicKeys load(String publicKeyPem, String previousPublicKeyPem) {
        PemKeys.Read current = PemKeys.read(publicKeyPem, "auth.outage.publicKey");
        if (current.privateKey() != null) {
            throw new IllegalArgumentException(
                    "auth.outage.publicKey holds a private key: give only its public half "
                            + "(`openssl pkey -in site-key.pem -pubout`); the private key belongs to the routers' auth.outage.signingKey");
        }
        return new SitePublicKeys(current.publicKey(), "auth.outage.publicKey", previous(previousPublicKeyPem));
    }

    /** The keys of a signer's own site: the signing key's public half and the previous key. */
    static SitePublicKeys of(PublicKey signing, PublicKey previous) {
        return new SitePublicKeys(signing, "auth.outage.signingKey", previous);
    }

    static PublicKey previous(String previousPublicKeyPem) {
        return OutageTokenConfig.blank(previousPublicKeyPem)
                ? null
                : PemKeys.read(previousPublicKeyPem, "auth.outage.previousPublicKey")
                        .publicKey();
    }

    /** The public key with this {@code kid}, current or previous; null when the site has none. */
    public PublicKey trusted(String kid) {
        return kid == null ? null : trusted.get(kid);
    }

    /** How many keys verify: 1, or 2 during a rotation. */
    public int trustedCount() {
        return trusted.size();
    }
}
