package io.georeg.app.e2e;

import io.georeg.replicator.primary.PrimaryKind;
import org.junit.jupiter.api.BeforeAll;

/**
 * skopeo through the router with Harbor as the primary, configured as docs/primary-registry.md
 * says ({@code replicator.primary.kind: harbor}, a robot account's secret in a file,
 * {@code replicator.sync.namespaces: [library]}, {@code replicator.sync.reconcileInterval} for
 * polling, {@code router.authUrl} and {@code router.authPath} Harbor's {@code /service/token}): the
 * operations of {@link ProductPrimaryClientTests}, every one replicated by polling, since Harbor
 * sends no distribution notifications.
 */
class HarborPrimaryClientIT extends ProductPrimaryClientTests {
    @BeforeAll
    static void startSites() throws Exception {
        start(
                PrimaryKind.HARBOR,
                HarborPrimaryClientIT.class,
                "Harbor-shaped: %s behind a fake of Harbor's `/api/v2.0/` API, polled",
                "token: Harbor-shaped `/service/token`, Basic user + password; replicator: robot account, no "
                        + "catalog");
    }

    @Override
    String namespace() {
        return TwoSites.HARBOR_PROJECT;
    }

    /** Nothing to do: the replicator polls the project every {@value TwoSites#HARBOR_POLL}. */
    @Override
    void reconcile() {}

    @Override
    String reconciledPull() {
        return "pull with credentials (`copy --all`) of an OCI image and a multi-arch index, replicated by polling "
                + "(a reconcile every `replicator.sync.reconcileInterval` listing the project through "
                + "`/api/v2.0/` with the robot account, without the catalog): served by the replica";
    }

    @Override
    String pushThenPull() {
        return "push with credentials (`copy --all`) of a multi-arch OCI index, pulled back at once "
                + "(read-your-writes) and, replicated by the next poll with the robot account, from the replica";
    }
}
