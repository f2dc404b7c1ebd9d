package io.georeg.app.wiring;

import io.georeg.app.config.GeoregConfig;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.cli.ReplicatorSession;

/**
 * What {@code georeg reconcile} and {@code georeg preheat} run with: a {@link Replicator} built
 * (not started) from the {@code replicator} section over this process's own {@link Resources};
 * closing the session closes both. Opened by the command line, one per command.
 */
public final class ReplicatorCommandSession implements ReplicatorSession {
    private final Resources resources;
    private final Replicator replicator;

    public ReplicatorCommandSession(GeoregConfig config) {
        this.resources = new Resources(config);
        try {
            this.replicator = ReplicatorComponent.newReplicator(config, resources);
        } catch (RuntimeException e) {
            resources.close();
            throw e;
        }
    }

    @Override
    public Replicator replicator() {
        return replicator;
    }

    @Override
    public void close() {
        try {
            replicator.close();
        } finally {
            resources.close();
        }
    }
}
