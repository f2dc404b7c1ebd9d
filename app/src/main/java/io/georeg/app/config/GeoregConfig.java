package io.georeg.app.config;

import io.georeg.db.DatabaseConfig;
import io.georeg.egress.PrimaryEgress;
import io.georeg.read.ReadOptions;
import io.georeg.replica.ReplicaReadOptions;
import io.georeg.replicator.ReplicatorConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole configuration of a georeg process, bound from YAML by {@link ConfigLoader}. Each
 * module owns its section's record ({@link DatabaseConfig} in db, the storage records in
 * storage, {@link ReplicaReadOptions} in replica, {@link ReadOptions} and the token auth record in
 * registry-read, {@link ReplicatorSection} over the replicator's records, {@link RouterSection}
 * over the router's); this record only composes them. The {@code replicator} and {@code router}
 * sections are checked by {@link #validateComponents()} when {@code serve} runs them, and by the
 * replicator's commands that need them. Every key is documented in {@code docs/configuration.md} (a test keeps the two
 * in step).
 *
 * @param components what {@code georeg serve} runs, in start order
 * @param shutdownTimeout how long {@code georeg serve} waits for components to stop
 * @param shutdownDelay how long {@code georeg serve}, told to stop, keeps serving while every port's
 *     {@code /-/ready} answers 503, before the ports stop accepting: the time load balancers and
 *     Kubernetes take to stop sending new connections to it
 * @param logFormat how log events are written on stderr
 * @param health how the database and storage are watched, and the budget they get before reads go
 *     to the primary
 * @param primary how every client of the primary reaches it (CA bundle, forward proxy): the router's
 *     legs, the replicator, {@code georeg promote}'s reconcile and {@code georeg drill}'s pulls
 * @param metrics the thresholds of the request signals every component exports
 * @param primaries the primaries of a secondary that serves several, each owning repository
 *     namespaces; empty: the one primary of the single-primary keys ({@link Primaries} resolves both)
 * @param defaultPrimary the primary of repositories no namespace covers; null: those get
 *     {@code NAME_UNKNOWN}
 */
public record GeoregConfig(
        List<ComponentName> components,
        Duration shutdownTimeout,
        Duration shutdownDelay,
        DatabaseConfig database,
        StorageSection storage,
        AuthSection auth,
        ReplicaReadOptions replica,
        ReadOptions registryRead,
        ReplicatorSection replicator,
        RouterSection router,
        LogFormat logFormat,
        HealthSection health,
        PrimaryEgress primary,
        MetricsSection metrics,

        List<PrimarySection> primaries,
        String defaultPrimary) {

    public GeoregConfig {
        components = components == null ? List.of() : List.copyOf(components);
        primaries = primaries == null ? List.of() : java.util.Collections.unmodifiableList(new ArrayList<>(primaries));
        storage = storage == null ? new StorageSection(null, null, null) : storage;
        auth = auth == null ? new AuthSection(null) : auth;
        logFormat = logFormat == null ? LogFormat.TEXT : logFormat;
        primary = primary == null ? PrimaryEgress.DIRECT : primary;
        shutdownDelay = shutdownDelay == null ? Duration.ZERO : shutdownDelay;
        metrics = metrics == null ? MetricsSection.defaults() : metrics;
    }

    /**
     * Checks every section and throws one {@link ConfigException} listing every problem, each
     * naming its key and the fix.
     */
    public GeoregConfig validate() {
        List<String> problems = new ArrayList<>();
        if (components.isEmpty()) {
            problems.add("components is empty: list what `georeg serve` runs, e.g. [" + ComponentName.names() + "]");
        }
        if (shutdownTimeout == null || shutdownTimeout.isNegative()) {
            problems.add("shutdownTimeout must be a duration >= 0, e.g. 10s");
        }
        if (shutdownDelay.isNegative()) {
            problems.add("shutdownDelay must be a duration >= 0, e.g. 5s (0 stops at once)");
        }
        problems.addAll(check(database == null ? null : database::validate, "database"));
        problems.addAll(storage.problems());
        problems.addAll(auth.problems());
        problems.addAll(Primaries.problems(this));
        if (replica == null) {
            problems.add("the replica section is missing (see docs/configuration.md)");
        }
        problems.addAll(check(registryRead == null ? null : registryRead::validate, "registryRead"));
        problems.addAll(primary.problems());
        problems.addAll(
                health == null
                        ? List.of("the health section is missing (see docs/configuration.md)")
                        : health.problems());
        problems.addAll(check(metrics::validate, "metrics"));
        if (!problems.isEmpty()) {
            throw new ConfigException("invalid configuration:\n  - " + String.join("\n  - ", problems));
        }
        return this;
    }

    /**
     * Checks the sections of the components {@code georeg serve} runs ({@code replicator},
     * {@code router}), all problems at once; {@link #validate()} leaves them out so that commands
     * which never run them ({@code migrate}, {@code status}) need none of their keys.
     */
    public GeoregConfig validateComponents() {
        List<String> problems = new ArrayList<>();
        if (components.contains(ComponentName.REPLICATOR)) {
            problems.addAll(replicatorWithPrimaries());
            problems.addAll(
                    replicator == null
                            ? List.of("the replicator section is missing (see docs/configuration.md)")
                            : replicator.problems(firstSource()));
        }
        if (components.contains(ComponentName.ROUTER)) {
            problems.addAll(
                    router == null
                            ? List.of("the router section is missing (see docs/configuration.md)")
                            : router.problems(routerHostsRegistryRead()));
        } else if (components.contains(ComponentName.REGISTRY_READ)
                && auth.outage().signingKey() != null
                && !auth.outage().signingKey().isBlank()) {
            // Only routers mint outage tokens: registry-read verifies them, and the private key on its
            // hosts would be a secret exposed for nothing.
            problems.add("auth.outage.signingKey is given to registry-read without a router (components " + components
                    + "): only routers sign outage tokens; give registry-read auth.outage.publicKey instead "
                    + "(`openssl pkey -in site-key.pem -pubout`) and keep the private key off its hosts");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException("invalid configuration:\n  - " + String.join("\n  - ", problems));
        }
        return this;
    }

    /** True when the router mounts registry-read in its own process instead of calling {@code router.replicaUrl}. */
    public boolean routerHostsRegistryRead() {
        return components.contains(ComponentName.ROUTER) && components.contains(ComponentName.REGISTRY_READ);
    }

    /** The replicator section, validated: for {@code serve} and the replicator's commands. */
    public ReplicatorSection requireReplicator() {
        List<String> problems = new ArrayList<>(replicatorWithPrimaries());
        problems.addAll(
                replicator == null
                        ? List.of("the replicator section is missing (see docs/configuration.md)")
                        : replicator.problems(firstSource()));
        if (!problems.isEmpty()) {
            throw new ConfigException("invalid configuration:\n  - " + String.join("\n  - ", problems));
        }
        return replicator;
    }

    /**
     * The replicator's configuration, validated, reaching the primary through {@link #primary()}; with
     * {@code primaries}, the first one's intake and registry stand for the single-primary keys.
     */
    public ReplicatorConfig replicatorConfig() {
        ReplicatorSection section = requireReplicator();
        io.georeg.replicator.PrimarySource first = firstSource();
        return (first == null ? section.toReplicatorConfig() : section.toReplicatorConfig(first)).withEgress(primary);
    }

    /** The first listed primary's intake and registry, or null without {@code primaries}. */
    private io.georeg.replicator.PrimarySource firstSource() {
        return primaries.isEmpty() || replicator == null
                ? null
                : Primaries.of(this).sources(this).get(0);
    }

    /** Each listed primary's intake and account, which only the replicator needs. */
    private List<String> replicatorWithPrimaries() {
        return replicator == null ? List.of() : Primaries.replicatorProblems(this);
    }

    private static List<String> check(Runnable validation, String section) {
        if (validation == null) {
            return List.of("the " + section + " section is missing (see docs/configuration.md)");
        }
        try {
            validation.run();
            return List.of();
        } catch (IllegalArgumentException e) {
            // The modules name their keys ("read.port"); say which section of this file they mean.
            return List.of(section + ": " + e.getMessage());
        }
    }
}
