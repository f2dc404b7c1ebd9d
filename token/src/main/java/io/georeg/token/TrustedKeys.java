package io.georeg.token;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The root certificate bundle of {@code auth.token.rootcertbundle}, loaded once at start-up: the
 * trust anchors an {@code x5c} chain must end in, and the bundle certificates' public keys by
 * libtrust key ID for tokens that name their key with {@code kid} (distribution 2.8's
 * {@code token.go} accepts both).
 */
public final class TrustedKeys {
    private final Set<TrustAnchor> anchors;
    private final Map<String, PublicKey> byKeyId;

    private TrustedKeys(List<X509Certificate> certificates) {
        Set<TrustAnchor> a = new HashSet<>();
        Map<String, PublicKey> k = new HashMap<>();
        for (X509Certificate c : certificates) {
            a.add(new TrustAnchor(c, null));
            k.put(LibtrustKeyId.of(c.getPublicKey()), c.getPublicKey());
        }
        this.anchors = Set.copyOf(a);
        this.byKeyId = Map.copyOf(k);
    }

    /** Reads every certificate of a PEM bundle; an empty or unreadable bundle is a start-up error. */
    public static TrustedKeys load(Path bundle) {
        try (InputStream in = Files.newInputStream(bundle)) {
            List<X509Certificate> certs = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certs.add((X509Certificate) c);
            }
            if (certs.isEmpty()) {
                throw new IllegalArgumentException("auth.token.rootcertbundle " + bundle + " holds no certificate");
            }
            return new TrustedKeys(certs);
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException(
                    "auth.token.rootcertbundle " + bundle + " cannot be read as PEM certificates: " + e.getMessage(),
                    e);
        }
    }

    public Set<TrustAnchor> anchors() {
        return anchors;
    }

    /** The public key of a bundle certificate with this libtrust key ID, or null. */
    public PublicKey byKeyId(String kid) {
        return kid == null ? null : byKeyId.get(kid);
    }
}
