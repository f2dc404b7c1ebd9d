package io.georeg.testkit.auth;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs {@link TestTokenEndpoint} as a process of its own, the GitLab-shaped token service of
 * {@code scripts/demo --auth}: a new RSA issuer ({@code iss} {@value #ISSUER}, {@code service}
 * {@value #SERVICE}), its root bundle written to {@code DIR/root.pem} and its realm to
 * {@code DIR/realm}, and the given users, each granted every action on every repository. Runs
 * until killed.
 *
 * <pre>java -cp georeg-testkit.jar:georeg.jar io.georeg.testkit.auth.TokenServiceMain DIR USER:PASSWORD...</pre>
 */
public final class TokenServiceMain {
    public static final String ISSUER = "demo-token-service";
    public static final String SERVICE = "demo-registry";

    private TokenServiceMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: TokenServiceMain DIR USER:PASSWORD...");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        TestTokenIssuer issuer = TestTokenIssuer.create(TestTokenIssuer.KeyKind.RSA, ISSUER, SERVICE);
        issuer.writeRootBundle(dir.resolve("root.pem"));
        TestTokenEndpoint.Builder builder = TestTokenEndpoint.builder(issuer);
        for (int i = 1; i < args.length; i++) {
            int colon = args[i].indexOf(':');
            if (colon <= 0) {
                System.err.println("not USER:PASSWORD: " + args[i]);
                System.exit(2);
            }
            String user = args[i].substring(0, colon);
            builder.user(user, args[i].substring(colon + 1)).grant(user, "*", "*");
        }
        TestTokenEndpoint endpoint = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(endpoint::close, "token-service-stop"));
        Files.writeString(dir.resolve("realm"), endpoint.realm().toString());
        System.out.println(
                "token service at " + endpoint.realm() + " (issuer " + ISSUER + ", service " + SERVICE + ")");
        new CountDownLatch(1).await();
    }
}
