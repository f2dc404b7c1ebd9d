package io.georeg.failover.promote;

import io.georeg.db.Database;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.verify.Verifier;

/**
 * What {@code georeg promote} works with, opened by the app from its configuration: the started
 * tracking database, a built (not started) {@link Replicator} (its reconcile crawl and queue,
 * pointed at the old primary) and a {@link Verifier} over the replica's storage. Closing it
 * closes all of them.
 */
public interface PromotionSession extends AutoCloseable {
    Database database();

    Replicator replicator();

    Verifier verifier();

    @Override
    void close();
}
