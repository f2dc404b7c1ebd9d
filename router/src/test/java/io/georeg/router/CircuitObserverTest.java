package io.georeg.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.router.admin.MemoryAdminStateStore;
import io.georeg.router.admin.SiteControl;
import io.georeg.router.health.CircuitBreaker;
import io.georeg.router.proxy.Upstream;
import io.georeg.router.route.RouteTable;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Connect failures of requests against the primary's circuit across a promotion. Tried: requests
 * sent to the old primary (down: that is why it was promoted away from) whose connects fail only
 * after the switch — they counted against the new primary and opened its circuit, refusing every
 * push to a healthy primary until the next probe.
 */
class CircuitObserverTest {
    private static final URI OLD = URI.create("http://old-primary.invalid:5000");
    private static final URI PROMOTED = URI.create("http://promoted.invalid:5000");

    private final CircuitBreaker primaryCircuit = new CircuitBreaker("primary", 3);
    private final CircuitBreaker replicaCircuit = new CircuitBreaker("replica", 3);
    private final SiteControl control =
            new SiteControl(OLD, new MemoryAdminStateStore(), primaryCircuit, Duration.ofHours(1), url -> {});
    private final Upstream replica = new Upstream("replica", "the replica", URI.create("http://replica.invalid:5001"));
    private final CircuitObserver observer = new CircuitObserver(
            new RouterMetrics(
                    new PrometheusRegistry(), List.of(primaryCircuit, replicaCircuit), RouteTable.oci("/auth")),
            replica,
            primaryCircuit,
            replicaCircuit,
            null,
            null);

    @Test
    void connectsToTheOldPrimaryThatFailAfterAPromotionDoNotOpenTheNewOnesCircuit() {
        Upstream old = control.primary();
        control.setPrimary(Optional.of(PROMOTED));

        connectsRefused(old, 5);

        assertThat(primaryCircuit.isOpen())
                .as("the promoted primary's circuit, after the old one's late connect failures")
                .isFalse();
    }

    @Test
    void aSwitchBackMakesTheFirstPrimarysConnectsCountAgain() {
        Upstream old = control.primary();
        control.setPrimary(Optional.of(PROMOTED));
        control.setPrimary(Optional.empty());

        connectsRefused(old, 3);

        assertThat(primaryCircuit.isOpen())
                .as("the configured primary is the primary again")
                .isTrue();
    }

    @Test
    void connectsToTheReplicaCountWhateverThePrimary() {
        control.setPrimary(Optional.of(PROMOTED));

        connectsRefused(replica, 3);

        assertThat(replicaCircuit.isOpen()).isTrue();
        assertThat(primaryCircuit.isOpen()).isFalse();
    }

    @Test
    void connectsToThePrimaryOfNowStillCount() {
        control.setPrimary(Optional.of(PROMOTED));

        connectsRefused(control.primary(), 3);

        assertThat(primaryCircuit.isOpen()).isTrue();
    }

    /** {@code times} requests to {@code upstream} whose connect was refused. */
    private void connectsRefused(Upstream upstream, int times) {
        for (int i = 0; i < times; i++) {
            observer.onUpstreamFailure(upstream, new ConnectException("Connection refused"), true);
        }
    }
}
