package io.georeg.router.outage;

import io.georeg.ops.MetricBuilders;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The outage shield's Prometheus metrics: outage tokens issued, token requests refused by reason,
 * grants held in the shared table (as last counted by this router), grants learned and revoked,
 * and whether the shield is armed (site key loaded and grants held) and in use (answering token
 * requests itself). Registered by {@link TokenShield}'s owner on the router's registry.
 */
public final class OutageMetrics {
    /** Why a token request got no outage token. */
    public enum Refusal {
        /** Unknown user or wrong password (one reason: the two are never told apart). */
        CREDENTIALS("credentials"),
        /** Known credentials, but nothing asked for was granted by the primary within the window. */
        SCOPE("scope"),
        /** A push or delete asked for: only the primary can grant it, so the answer is a 503 saying it is unreachable. */
        WRITE("write"),
        /** More scopes than a token request may ask for. */
        TOO_MANY_SCOPES("too-many-scopes"),
        /** The grants table could not be read. */
        ERROR("error");

        final String label;

        Refusal(String label) {
            this.label = label;
        }
    }

    private final Counter issued;
    private final Counter refused;
    private final Counter learned;
    private final Counter revoked;
    private final AtomicLong held = new AtomicLong();
    private final boolean siteKeyLoaded;
    private final BooleanSupplier inUse;

    /**
     * @param siteKeyLoaded whether {@code auth.outage} has a signing key (false: token auth without
     *                      the shield, which is never armed)
     * @param inUse         whether the router answers token requests itself right now
     */
    public OutageMetrics(PrometheusRegistry registry, boolean siteKeyLoaded, BooleanSupplier inUse) {
        this.siteKeyLoaded = siteKeyLoaded;
        this.inUse = inUse;
        issued = MetricBuilders.counter()
                .name("georeg_router_outage_tokens_issued_total")
                .help(
                        "Pull-only outage tokens the router minted with the site key while the primary's token service was unreachable")
                .register(registry);
        refused = MetricBuilders.counter()
                .name("georeg_router_outage_tokens_refused_total")
                .help("Token requests the router refused while answering for the primary's token service, by reason")
                .labelNames("reason")
                .register(registry);
        learned = MetricBuilders.counter()
                .name("georeg_router_outage_grants_learned_total")
                .help(
                        "Successful token answers of the primary whose pull grants were recorded, by outcome (learned, unverified, error)")
                .labelNames("outcome")
                .register(registry);
        revoked = MetricBuilders.counter()
                .name("georeg_router_outage_grants_revoked_total")
                .help("Stored credentials deleted because the primary answered 401 to them")
                .register(registry);
        GaugeWithCallback.builder()
                .name("georeg_router_outage_grants")
                .help("Pull grants within the window in the shared table, as last counted by this router")
                .callback(cb -> cb.call(held.get()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("georeg_router_outage_shield_armed")
                .help("1 when outage tokens can be issued: the site key is loaded and grants are held")
                .callback(cb -> cb.call(armed() ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder()
                .name("georeg_router_outage_shield_in_use")
                .help(
                        "1 while the router answers token requests itself (token service unreachable or primary-down mode)")
                .callback(cb -> cb.call(inUse() ? 1 : 0))
                .register(registry);
        for (Refusal r : Refusal.values()) {
            refused.labelValues(r.label);
        }
        for (String outcome : new String[] {"learned", "unverified", "error"}) {
            learned.labelValues(outcome);
        }
    }

    void issued() {
        issued.inc();
    }

    void refused(Refusal reason) {
        refused.labelValues(reason.label).inc();
    }

    void learned(String outcome) {
        learned.labelValues(outcome).inc();
    }

    void revoked() {
        revoked.inc();
    }

    void held(long count) {
        held.set(count);
    }

    public long held() {
        return held.get();
    }

    /** The site key is loaded and grants are held: outage tokens can be issued. */
    public boolean armed() {
        return siteKeyLoaded && held.get() > 0;
    }

    /** {@code auth.outage} has a signing key loaded (and a tracking database to share grants in). */
    public boolean siteKeyLoaded() {
        return siteKeyLoaded;
    }

    /** The router answers token requests itself right now. */
    public boolean inUse() {
        return inUse.getAsBoolean();
    }
}
