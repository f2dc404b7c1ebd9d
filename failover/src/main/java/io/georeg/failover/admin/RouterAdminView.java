package io.georeg.failover.admin;

import java.net.URI;

/**
 * A router's answer from {@code /-/admin/mode} or {@code /-/admin/primary}.
 *
 * @param primaryCircuit         {@code open} while the router treats the primary as down (a real
 *                               outage or the drill's {@code primary-down})
 * @param primaryProbedReachable what the router's health probes alone say of the primary
 * @param publicUrl              the router's public URL, where clients pull ({@code router.publicUrl});
 *                               null from a router that does not report it
 */
public record RouterAdminView(
        URI router,
        String mode,
        String reason,
        URI primaryUrl,
        String primaryCircuit,
        boolean primaryProbedReachable,
        URI publicUrl) {}
