package io.georeg.app.config;

import io.georeg.router.RouterConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The {@code router} section: {@link RouterConfig} as YAML can say it. The one difference is where
 * registry-read is: {@code replicaUrl} when it runs elsewhere; when {@code registry-read} is a
 * component of the same process the router hosts it in process and {@code replicaUrl} is unused.
 * The nested parts are the router's own records.
 */
public record RouterSection(
        URI publicUrl,
        String bindHost,
        int port,
        URI primaryUrl,
        URI authUrl,
        String authPath,
        URI replicaUrl,
        RouterConfig.Timeouts timeouts,
        RouterConfig.Limits limits,
        RouterConfig.Circuit circuit,
        Duration fenceTtl,
        Duration fenceLease,
        RouterConfig.Admin admin,
        RouterConfig.Operator operator,
        RouterConfig.AccessLog accessLog) {

    /** The router's configuration with registry-read at {@code replica} (in process or {@code replicaUrl}). */
    public RouterConfig toRouterConfig(RouterConfig.ReplicaEndpoint replica) {
        return new RouterConfig(
                publicUrl,
                bindHost,
                port,
                primaryUrl,
                authUrl,
                authPath,
                replica,
                timeouts == null ? RouterConfig.Timeouts.defaults() : timeouts,
                limits == null ? RouterConfig.Limits.defaults() : limits,
                circuit == null ? RouterConfig.Circuit.defaults() : circuit,
                fenceTtl,
                fenceLease,
                admin,
                null,
                operator,
                accessLog,
                null);
    }

    /** Every problem, each naming its {@code router.*} key; {@code inProcessReplica}: registry-read runs beside it. */
    List<String> problems(boolean inProcessReplica) {
        RouterConfig.ReplicaEndpoint replica = inProcessReplica
                ? new RouterConfig.ReplicaEndpoint.InProcess(null)
                : replicaUrl == null ? null : new RouterConfig.ReplicaEndpoint.Remote(replicaUrl);
        return toRouterConfig(replica).problems();
    }
}
