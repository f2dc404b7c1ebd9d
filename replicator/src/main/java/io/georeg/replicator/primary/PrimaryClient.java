package io.georeg.replicator.primary;

import io.georeg.egress.PrimaryEgress;

/**
 * The replicator's connection to the primary registry (OCI distribution API): owns the transport
 * ({@link PrimaryTransport}: HTTP, authentication, redirects) and hands out the two views built
 * on it, {@link #content()} (manifests, blobs, referrers) and {@link #catalog()} (the catalog and
 * tags lists the reconcile crawl walks). One per replicator; closing it closes the connections.
 */
public final class PrimaryClient implements AutoCloseable {
    /**
     * The User-Agent of every request to the primary: it names the replicator in the primary's
     * logs, and it comes back in the primary's pull notifications, which the intake drops (the
     * replicator's own reads are not pulls by clients).
     */
    public static final String USER_AGENT = "georeg-replicator/1";

    private final PrimaryTransport transport;
    private final PrimaryCatalog catalog;
    private final PrimaryContent content;

    private PrimaryClient(PrimaryTransport transport) {
        this.transport = transport;
        this.catalog = new PrimaryCatalog(transport);
        this.content = new PrimaryContent(transport, catalog);
    }

    /** Validates the configuration and builds a client with direct connections; no connection is made yet. */
    public static PrimaryClient create(PrimaryConfig config) {
        return create(config, PrimaryEgress.DIRECT);
    }

    /** The same through {@code egress}: its CA bundle trusted, its proxy taken. */
    public static PrimaryClient create(PrimaryConfig config, PrimaryEgress egress) {
        config.validate();
        egress.validate();
        return new PrimaryClient(PrimaryTransport.create(config, egress));
    }

    public PrimaryConfig config() {
        return transport.config();
    }

    public PrimaryContent content() {
        return content;
    }

    public PrimaryCatalog catalog() {
        return catalog;
    }

    @Override
    public void close() {
        transport.close();
    }
}
