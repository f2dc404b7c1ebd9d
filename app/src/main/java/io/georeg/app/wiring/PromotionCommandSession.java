package io.georeg.app.wiring;

import io.georeg.app.config.GeoregConfig;
import io.georeg.db.Database;
import io.georeg.failover.promote.PromotionSession;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.verify.Verifier;
import io.georeg.replicator.verify.VerifyObserver;

/**
 * What {@code georeg promote} runs with: this process's {@link Resources}, a {@link Replicator}
 * built (not started) from the {@code replicator} section (reconcile against the old primary,
 * the queue) and a {@link Verifier} over the replica's blob store. Closing the session closes
 * all three. Opened by the command line, one per command.
 */
public final class PromotionCommandSession implements PromotionSession {
    private final Resources resources;
    private final Replicator replicator;
    private final Verifier verifier;

    public PromotionCommandSession(GeoregConfig config) {
        this.resources = new Resources(config);
        try {
            var section = config.requireReplicator();
            this.replicator = ReplicatorComponent.newReplicator(config, resources);
            this.verifier = new Verifier(
                    section.verify(),
                    resources.database(),
                    resources.blobStore(),
                    replicator.queue(),
                    VerifyObserver.NONE);
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
    }

    @Override
    public Database database() {
        return resources.database();
    }

    @Override
    public Replicator replicator() {
        return replicator;
    }

    @Override
    public Verifier verifier() {
        return verifier;
    }

    @Override
    public void close() {
        try {
            verifier.close();
            replicator.close();
        } finally {
            resources.close();
        }
    }
}
