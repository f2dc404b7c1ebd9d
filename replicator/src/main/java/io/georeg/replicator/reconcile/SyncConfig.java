package io.georeg.replicator.reconcile;

import io.georeg.oci.RepositoryName;
import io.georeg.oci.Tag;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What to replicate and how often to crawl, under {@code replicator.sync.*}.
 *
 * @param include repository patterns to replicate ({@code *} within one path component,
 *     {@code **} across components); empty means every repository
 * @param exclude patterns never replicated (checked after {@code include})
 * @param preheat {@code repository} or {@code repository:tag} entries replicated regardless of the
 *     patterns, crawled at every reconcile
 * @param reconcileInterval how often the catalog/tags crawl runs; zero or null disables it. Set it
 *     for polling mode (a site that gets no notifications)
 * @param namespaces repository path prefixes the crawl lists instead of the whole catalog (GitLab
 *     groups and projects, Harbor projects), for accounts the primary does not give its catalog;
 *     empty means the catalog
 */
public record SyncConfig(
        List<String> include,
        List<String> exclude,
        List<String> preheat,
        Duration reconcileInterval,
        List<String> namespaces) {

    public SyncConfig {
        include = include == null ? List.of() : List.copyOf(include);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
        preheat = preheat == null ? List.of() : List.copyOf(preheat);
        namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    }

    public static SyncConfig everything() {
        return new SyncConfig(List.of(), List.of(), List.of(), Duration.ZERO, List.of());
    }

    public SyncConfig withReconcileInterval(Duration interval) {
        return new SyncConfig(include, exclude, preheat, interval, namespaces);
    }

    /** The crawl lists these path prefixes instead of the catalog. */
    public SyncConfig withNamespaces(List<String> prefixes) {
        return new SyncConfig(include, exclude, preheat, reconcileInterval, prefixes);
    }

    public boolean reconcileScheduled() {
        return reconcileInterval != null && !reconcileInterval.isZero() && !reconcileInterval.isNegative();
    }

    public SyncConfig validate() {
        List<String> problems = new ArrayList<>();
        for (String p : include) {
            RepositoryFilter.checkPattern("replicator.sync.include", p, problems);
        }
        for (String p : exclude) {
            RepositoryFilter.checkPattern("replicator.sync.exclude", p, problems);
        }
        for (String entry : preheat) {
            if (PreheatEntry.parse(entry).isEmpty()) {
                problems.add(
                        "replicator.sync.preheat entry '" + entry + "' must be <repository> or <repository>:<tag>");
            }
        }
        for (String namespace : namespaces) {
            if (!RepositoryName.isValid(namespace)) {
                problems.add("replicator.sync.namespaces entry '" + namespace
                        + "' must be a repository path prefix such as my-group or my-group/my-project");
            }
        }
        if (reconcileInterval != null && reconcileInterval.isNegative()) {
            problems.add("replicator.sync.reconcileInterval must not be negative (0 disables the scheduled crawl)");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid replicator sync configuration: " + String.join("; ", problems));
        }
        return this;
    }

    public RepositoryFilter filter() {
        return new RepositoryFilter(
                include,
                exclude,
                preheatEntries().stream().map(PreheatEntry::repository).toList());
    }

    public List<PreheatEntry> preheatEntries() {
        return preheat.stream()
                .map(PreheatEntry::parse)
                .flatMap(Optional::stream)
                .toList();
    }

    /** One preheat entry: a repository, optionally only one tag of it. */
    public record PreheatEntry(RepositoryName repository, Optional<Tag> tag) {
        public static Optional<PreheatEntry> parse(String text) {
            if (text == null) {
                return Optional.empty();
            }
            int colon = text.lastIndexOf(':');
            String repo = colon < 0 ? text : text.substring(0, colon);
            String tag = colon < 0 ? null : text.substring(colon + 1);
            if (!RepositoryName.isValid(repo) || (tag != null && !Tag.isValid(tag))) {
                return Optional.empty();
            }
            return Optional.of(new PreheatEntry(
                    RepositoryName.of(repo), Optional.ofNullable(tag).map(Tag::of)));
        }
    }
}
