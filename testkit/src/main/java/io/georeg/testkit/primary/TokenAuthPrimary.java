package io.georeg.replicator.testing;

import io.georeg.oci.Digest;
import io.georeg.testkit.auth.TestTokenEndpoint;
import io.georeg.testkit.auth.TestTokenIssuer;
import io.georeg.testkit.oci.RegistryHttp;
import io.georeg.testkit.oci.TestImage;
import io.georeg.testkit.tools.Distribution;
import io.georeg.testkit.tools.DistributionConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real distribution 2.8 with {@code auth.token} trusting a test token service (GitLab- or
 * Harbor-shaped, a process and port of its own), the primary of the GitLab and Harbor tests, and
 * a second, anonymous distribution on the same storage through which the tests put content in
 * place without a token (the primary sees it as if it had been pushed to it).
 */
public final class TokenAuthPrimary implements AutoCloseable {
    private final Distribution registry;
    private final Distribution backdoor;
    private final RegistryHttp content;
    private final Path storage;

    public TokenAuthPrimary(Path dir, TestTokenIssuer issuer, TestTokenEndpoint tokens) throws IOException {
        this.storage = dir.resolve("storage");
        Files.createDirectories(dir.resolve("registry"));
        Files.createDirectories(dir.resolve("backdoor"));
        Path bundle = issuer.writeRootBundle(dir.resolve("root.pem"));
        this.registry = Distribution.start(
                dir.resolve("registry"),
                DistributionConfig.filesystem(storage)
                        .withTokenAuth(new DistributionConfig.TokenAuth(
                                tokens.realm(), issuer.service(), issuer.issuer(), bundle)));
        this.backdoor = Distribution.start(dir.resolve("backdoor"), DistributionConfig.filesystem(storage));
        this.content = new RegistryHttp(backdoor.url());
    }

    public Distribution registry() {
        return registry;
    }

    /** The registry's storage root (distribution's filesystem layout). */
    public Path storage() {
        return storage;
    }

    /** Puts an image on the primary under {@code repository:tag}; returns its manifest digest. */
    public Digest push(String repository, String tag, TestImage image) {
        RegistryHttp.Answer a = content.push(repository, tag, image);
        if (!a.ok()) {
            throw new AssertionError("push of " + repository + ":" + tag + " answered " + a.status());
        }
        return a.digest().orElseThrow();
    }

    /** Deletes a manifest from the primary (and so every tag pointing at it). */
    public void deleteManifest(String repository, Digest digest) {
        RegistryHttp.Answer a = content.deleteManifest(repository, digest.toString());
        if (!a.ok()) {
            throw new AssertionError("delete of " + repository + "@" + digest + " answered " + a.status());
        }
    }

    @Override
    public void close() {
        content.close();
        backdoor.close();
        registry.close();
    }
}
