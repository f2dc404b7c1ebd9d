package io.georeg.replica.cache;

import io.georeg.oci.Digest;
import io.georeg.oci.RepositoryName;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * A cached fact's key in 16 bytes: the first 128 bits of SHA-256 over a secret of the process,
 * the fact's kind, its repository and its tag or digest. Made by {@link CachingReplicaReader},
 * held by {@link FactTable} instead of the key's text.
 *
 * <p>Why this may stand for the text. Two keys of equal 128 bits would serve one repository's
 * fact (a tag's manifest, a blob's size) for another's key. The hashed text is injective (a kind
 * letter, then the repository, a space, the reference: neither a repository name nor a tag holds
 * a space), so only the hash can collide. The secret (16 random bytes drawn at class load and
 * hashed first) keeps anyone from computing keys outside this process, so that tag names chosen
 * by whoever can push cannot be searched for a collision offline: a collision can only happen by
 * chance. With n keys held and q lookups of keys not held, the chance that any lookup matches a
 * held key is at most q·n / 2¹²⁸, and that any two held keys are equal n² / 2¹²⁹: for n = 2²¹
 * (two million facts) and q = 2⁴⁰ (a trillion lookups) 2⁻⁶⁷ and 2⁻⁸⁷. Without the secret a
 * birthday search would need two keys both chosen by the searcher (2⁶⁴ hashes), and hitting a key
 * someone else chose a second preimage against the n held ones (2¹²⁸ / n).
 */
record FactKey(long high, long low) {
    private static final byte[] SECRET = secret();
    private static final ThreadLocal<MessageDigest> SHA256 =
            ThreadLocal.withInitial(Digest.Algorithm.SHA256::newMessageDigest);

    static FactKey of(char kind, RepositoryName repository, String reference) {
        MessageDigest md = SHA256.get();
        md.update(SECRET);
        md.update((byte) kind);
        md.update(repository.value().getBytes(StandardCharsets.UTF_8));
        md.update((byte) ' ');
        md.update(reference.getBytes(StandardCharsets.UTF_8));
        ByteBuffer hash = ByteBuffer.wrap(md.digest());
        return new FactKey(hash.getLong(), hash.getLong());
    }

    private static byte[] secret() {
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        return secret;
    }
}
