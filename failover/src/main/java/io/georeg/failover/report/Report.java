package io.georeg.failover.report;

import io.georeg.failover.state.UnreplicatedItem;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a drill or a promotion did, filled in step by step by {@code Drill} and {@code Promotion}
 * and written by {@link ReportWriter}: the checks with pass/fail, facts (routers, modes, lag),
 * timings in milliseconds (time to serve, pull percentiles, drain), the RPO (changes not
 * replicated, oldest first) and errors. Not thread-safe: one run fills it.
 */
public final class Report {
    private final String kind;
    private final Instant startedAt = Instant.now();
    private Instant finishedAt;
    private final List<Check> checks = new ArrayList<>();
    private final Map<String, String> facts = new LinkedHashMap<>();
    private final Map<String, Long> timingsMillis = new LinkedHashMap<>();
    private final List<UnreplicatedItem> rpo = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();

    public Report(String kind) {
        this.kind = kind;
    }

    public Check check(Check check) {
        checks.add(check);
        return check;
    }

    public void fact(String name, Object value) {
        facts.put(name, String.valueOf(value));
    }

    public void timing(String name, long millis) {
        timingsMillis.put(name, millis);
    }

    public void rpo(List<UnreplicatedItem> items) {
        rpo.clear();
        rpo.addAll(items);
    }

    public void error(String error) {
        errors.add(error);
    }

    public void finish() {
        finishedAt = Instant.now();
    }

    /** True when there is at least one check and every check passed. */
    public boolean passed() {
        return !checks.isEmpty() && checks.stream().allMatch(Check::passed);
    }

    public String kind() {
        return kind;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Instant finishedAt() {
        return finishedAt;
    }

    public List<Check> checks() {
        return List.copyOf(checks);
    }

    public Map<String, String> facts() {
        return Map.copyOf(facts);
    }

    public Map<String, Long> timingsMillis() {
        return new LinkedHashMap<>(timingsMillis);
    }

    public Map<String, String> orderedFacts() {
        return new LinkedHashMap<>(facts);
    }

    public List<UnreplicatedItem> rpo() {
        return List.copyOf(rpo);
    }

    public List<String> errors() {
        return List.copyOf(errors);
    }
}
