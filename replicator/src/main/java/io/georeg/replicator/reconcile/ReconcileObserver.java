package io.georeg.replicator.reconcile;

/** What the reconcile crawl reports beyond its summary (implemented by the metrics package). */
public interface ReconcileObserver {
    ReconcileObserver NONE = () -> {};

    /** The primary refused to list repositories to the replicator's account (HTTP 401/403). */
    void listingRefused();
}
