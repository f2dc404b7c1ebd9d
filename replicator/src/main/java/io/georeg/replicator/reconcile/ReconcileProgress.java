package io.georeg.replicator.reconcile;

import io.georeg.oci.RepositoryName;

/** Reports a reconcile pass's progress (the CLI draws a progress bar from it). */
public interface ReconcileProgress {
    ReconcileProgress NONE = new ReconcileProgress() {};

    default void started(int repositories) {}

    default void repositoryDone(RepositoryName repository, int done, int total) {}
}
