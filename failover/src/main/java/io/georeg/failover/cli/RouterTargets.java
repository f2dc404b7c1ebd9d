package io.georeg.failover.cli;

import java.net.URI;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options every failover command needs to reach the secondary site's routers: their URLs and
 * the admin token of their {@code /-/admin} API. Mixed into {@link DrillCommand} and
 * {@link PromoteCommand} so both spell and document them the same way.
 */
public final class RouterTargets {
    @Option(names = "--router", required = true, paramLabel = "URL", description = "A router of the secondary site (repeatable).")
    List<URI> routers;

    @Option(names = "--admin-token", required = true, paramLabel = "TOKEN", description = "The routers' router.admin.token.")
    String adminToken;
}
