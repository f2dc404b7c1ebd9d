package io.georeg.testkit.primary;

import io.georeg.oci.Digest;
import io.georeg.testkit.auth.TestTokenEndpoint;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real distribution 2.8 with {@code auth.token} trusting a test token service (GitLab- or
 * Harbor-shaped, a process and port of its own): the primary of the GitLab and Harbor tests of
 * the replicator and of the app's two sites. Beside it, on the same storage, an anonymous
 * distribution without notifications, the {@link #backdoor()}, through which a test puts content
 * in place without a token and without a notification: the primary then has content it never
 * told anyone about, as after a notification that was lost. The backdoor starts on first use.
 */
public final class TokenAuthPrimary implements AutoCloseable {
    private final Path dir;
    private final Distribution registry;
    private final Path storage;
    private Distribution backdoor;
    private RegistryHttp content;

    /** A primary storing under {@code dir/storage}, with token auth by {@code tokens} and nothing else. */
    public TokenAuthPrimary(Path dir, TestTokenIssuer issuer, TestTokenEndpoint tokens) throws IOException {
        this(dir, tokenAuthOnly(dir, issuer, tokens));
    }

    private static DistributionConfig tokenAuthOnly(Path dir, TestTokenIssuer issuer, TestTokenEndpoint tokens)
            throws IOException {
        Path bundle = issuer.writeRootBundle(Files.createDirectories(dir).resolve("root.pem"));
        return DistributionConfig.filesystem(dir.resolve("storage"))
                .withTokenAuth(
                        new DistributionConfig.TokenAuth(tokens.realm(), issuer.service(), issuer.issuer(), bundle));
    }

    /**
     * A primary running {@code config} (token auth, notifications, log level as the test needs),
     * its files under {@code dir}; the backdoor shares {@code config}'s storage.
     */
    public TokenAuthPrimary(Path dir, DistributionConfig config) throws IOException {
        if (config.tokenAuth().isEmpty()) {
            throw new IllegalArgumentException("a TokenAuthPrimary needs auth.token in its configuration");
        }
        this.dir = dir;
        this.storage = config.storageRoot();
        this.registry = Distribution.start(Files.createDirectories(dir.resolve("registry")), config);
    }

    public Distribution registry() {
        return registry;
    }

    /** The registry's storage root (distribution's filesystem layout). */
    public Path storage() {
        return storage;
    }

    /** The anonymous distribution on the primary's storage, which notifies no one. */
    public synchronized Distribution backdoor() {
        if (backdoor == null) {
            try {
                backdoor = Distribution.start(
                        Files.createDirectories(dir.resolve("backdoor")), DistributionConfig.filesystem(storage));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            content = new RegistryHttp(backdoor.url());
        }
        return backdoor;
    }

    /** Puts an image on the primary under {@code repository:tag}; returns its manifest digest. */
    public Digest push(String repository, String tag, TestImage image) {
        backdoor();
        RegistryHttp.Answer a = content.push(repository, tag, image);
        if (!a.ok()) {
            throw new AssertionError("push of " + repository + ":" + tag + " answered " + a.status());
        }
        return a.digest().orElseThrow();
    }

    /** Deletes a manifest from the primary (and so every tag pointing at it). */
    public void deleteManifest(String repository, Digest digest) {
        backdoor();
        RegistryHttp.Answer a = content.deleteManifest(repository, digest.toString());
        if (!a.ok()) {
            throw new AssertionError("delete of " + repository + "@" + digest + " answered " + a.status());
        }
    }

    @Override
    public synchronized void close() {
        if (content != null) {
            content.close();
        }
        if (backdoor != null) {
            backdoor.close();
        }
        registry.close();
    }
}
