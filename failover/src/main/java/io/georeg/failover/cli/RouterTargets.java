package io.georeg.failover.cli;

import io.georeg.egress.PrimaryEgress;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options every failover command needs to reach the secondary site's routers: the URLs of
 * their operator listeners and the admin token of their {@code /-/admin} API. Mixed into {@link DrillCommand} and
 * {@link PromoteCommand} so both spell and document them the same way.
 *
 * <p>The token comes, first found, from {@code --admin-token-file}, from {@code --admin-token}
 * (kept for old scripts, with a warning: every user of the machine sees it in {@code ps}), or from
 * the configuration's {@code router.admin.token} (so {@code GEOREG_ROUTER_ADMIN_TOKEN} or
 * {@code router.admin.tokenFile}, as the routers themselves read it).
 */
public final class RouterTargets {
    static final String VISIBLE_WARNING = "warning: --admin-token is visible to every user of this machine (ps, "
            + "/proc); use --admin-token-file FILE or GEOREG_ROUTER_ADMIN_TOKEN instead";

    @Option(
            names = "--router",
            required = true,
            paramLabel = "URL",
            description = "A router of the secondary site at its operator listener, where its admin API answers "
                    + "(router.operator.port; never the public URL, which answers 404 for /-/admin) (repeatable).")
    List<URI> routers;

    @Option(
            names = "--admin-token-file",
            paramLabel = "FILE",
            description =
                    "File holding the routers' router.admin.token. Without it and --admin-token, the configuration's "
                            + "router.admin.token (GEOREG_ROUTER_ADMIN_TOKEN, router.admin.tokenFile) is used.")
    Path adminTokenFile;

    @Option(
            names = "--admin-token",
            paramLabel = "TOKEN",
            description =
                    "The routers' router.admin.token on the command line (visible in ps: prefer --admin-token-file).")
    String adminToken;

    /**
     * The client that reaches the routers' admin API (and, in a drill, pulls through this site's
     * registry hostname): trusts {@code egress}'s CA bundle but connects directly, since this site
     * needs no proxy, and gives up connecting after five seconds.
     */
    HttpClient client(PrimaryEgress egress) {
        return egress.trustOnly(HttpClient.newBuilder())
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** The admin token to send; fails with what to set when there is none. */
    String adminToken(CommandSpec spec, Supplier<Optional<String>> configured) {
        if (adminTokenFile != null && adminToken != null) {
            throw new ParameterException(
                    spec.commandLine(), "use either --admin-token-file or --admin-token, not both");
        }
        if (adminTokenFile != null) {
            return readToken(spec, adminTokenFile);
        }
        if (adminToken != null) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(VISIBLE_WARNING);
            err.flush();
            return adminToken;
        }
        return configured
                .get()
                .filter(t -> !t.isBlank())
                .orElseThrow(() -> new ParameterException(
                        spec.commandLine(),
                        "no admin token: pass --admin-token-file FILE, or set router.admin.token in the configuration "
                                + "(GEOREG_ROUTER_ADMIN_TOKEN or router.admin.tokenFile)"));
    }

    private static String readToken(CommandSpec spec, Path file) {
        String token;
        try {
            token = Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --admin-token-file " + file, e);
        }
        if (token.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--admin-token-file " + file + " is empty");
        }
        return token;
    }
}
