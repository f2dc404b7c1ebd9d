package io.georeg.replicator.primary;

/**
 * The primary refused to list repositories (HTTP 401 or 403 on its catalog or listing API): the
 * replicator's account may pull but not list. Not transient: the account or the configuration has
 * to change. Thrown by {@link PrimaryCatalog}; the reconcile crawl reports it and counts it.
 */
public final class CatalogRefusedException extends PrimaryException {
    public CatalogRefusedException(String message, int status) {
        super(message, status, false, null);
    }
}
