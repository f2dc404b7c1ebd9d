package io.georeg.replicator.cli;

import io.georeg.replicator.Replicator;

/**
 * What a replicator command of the CLI works with, opened by the app from its configuration: a
 * built (not started) {@link Replicator} over the started database and replica. Closing the session
 * closes the replicator and everything the app opened for it.
 */
public interface ReplicatorSession extends AutoCloseable {
    Replicator replicator();

    @Override
    void close();
}
