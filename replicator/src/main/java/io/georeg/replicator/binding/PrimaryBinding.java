package io.georeg.replicator.binding;

import io.georeg.replica.ReplicaPrimaries;
import io.georeg.replicator.PrimarySource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The primaries one replicator configuration copies from, as the tracking database's
 * {@code replica_primaries} records them (migration V21): each primary's name
 * ({@link PrimarySource#name()}) with its registry URL {@linkplain ReplicaPrimaries#normalize normalized}, so that
 * {@code HTTPS://Registry.example.com/} and {@code https://registry.example.com:443} are one
 * primary. Built by {@link PrimaryBindingGuard} from the replicator's sources and by
 * {@code georeg primaries}; {@link #fingerprint()} is what every claim of work compares with the
 * stored rows ({@link PrimaryBindingStore#STORED_FINGERPRINT}).
 *
 * @param urls each primary's normalized URL by name, names in code-point order
 */
public record PrimaryBinding(Map<String, String> urls) {
    public PrimaryBinding {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("a replicator copies from at least one primary");
        }
        urls = Collections.unmodifiableMap(new TreeMap<>(urls));
    }

    /** The binding of a replicator of {@code sources} (one per primary, in any order). */
    public static PrimaryBinding of(List<PrimarySource> sources) {
        Map<String, String> urls = new TreeMap<>();
        for (PrimarySource source : sources) {
            urls.put(source.name(), ReplicaPrimaries.normalize(source.primary().url()));
        }
        return new PrimaryBinding(urls);
    }

    /**
     * The binding as one text: {@code name url} lines joined by a newline, names in code-point
     * order, exactly as {@link PrimaryBindingStore#STORED_FINGERPRINT} aggregates the stored rows
     * (there ordered {@code COLLATE "C"}, byte order, which is code-point order for the
     * lower-case ASCII names configuration allows).
     */
    public String fingerprint() {
        return urls.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining("\n"));
    }

    /**
     * Where the stored binding and this one differ, by primary name: another URL for a name, a
     * stored name this configuration lacks, a configured name the database lacks. Empty when equal.
     */
    public List<Difference> differences(List<StoredPrimary> stored) {
        Map<String, StoredPrimary> byName = new TreeMap<>();
        stored.forEach(s -> byName.put(s.name(), s));
        TreeSet<String> names = new TreeSet<>(urls.keySet());
        names.addAll(byName.keySet());
        List<Difference> out = new ArrayList<>();
        for (String name : names) {
            Optional<StoredPrimary> s = Optional.ofNullable(byName.get(name));
            Optional<String> configured = Optional.ofNullable(urls.get(name));
            if (s.isEmpty() || configured.isEmpty() || !s.get().url().equals(configured.get())) {
                out.add(new Difference(name, s, configured));
            }
        }
        return out;
    }

    /**
     * One primary on which the database and the configuration disagree.
     *
     * @param stored what the database binds the name to; empty when it binds no such primary
     * @param configured the URL this configuration gives the name; empty when it has no such primary
     */
    public record Difference(String name, Optional<StoredPrimary> stored, Optional<String> configured) {
        /** One line: what is stored (with when and by whom), what is configured. */
        public String describe() {
            String was = stored.map(s -> "bound to " + s.url() + " (" + s.boundAt() + " by " + s.boundBy() + ")")
                    .orElse("not bound in this database");
            String now = configured.map(u -> "configured here as " + u).orElse("not configured here");
            return "primary '" + name + "': " + was + "; " + now;
        }
    }
}
