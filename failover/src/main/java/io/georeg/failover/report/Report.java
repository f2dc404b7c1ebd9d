package io.georeg.failover.report;

import io.georeg.failover.state.UnreplicatedItem;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a drill or a promotion did, filled in step by step by {@code Drill} and {@code Promotion}
 * and written by {@link ReportWriter}: the steps with their timing ({@link #step}, each told to a
 * {@link StepListener} as it starts and ends), the checks with pass/fail, facts (routers, modes,
 * lag), timings in milliseconds (time to serve, pull percentiles, drain), the RPO (changes not
 * replicated, oldest first), errors and warnings. Not thread-safe: one run fills it.
 */
public final class Report {
    private final String kind;
    private final StepListener listener;
    private final Instant startedAt = Instant.now();
    private final List<Step> steps = new ArrayList<>();
    private Instant finishedAt;
    private final List<Check> checks = new ArrayList<>();
    private final Map<String, String> facts = new LinkedHashMap<>();
    private final Map<String, Long> timingsMillis = new LinkedHashMap<>();
    private final List<UnreplicatedItem> rpo = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private String forcedThrough;

    public Report(String kind) {
        this(kind, StepListener.NONE);
    }

    public Report(String kind, StepListener listener) {
        this.kind = kind;
        this.listener = listener;
    }

    /** Runs one step: told to the listener as it starts and ends, kept with its timing. */
    public void step(String name, String description, Runnable work) {
        step(name, description, () -> {
            work.run();
            return null;
        });
    }

    /**
     * Runs one step and returns its result. It passed when no check it added failed and it threw
     * nothing; an exception still ends the step (failed) before it propagates.
     */
    public <T> T step(String name, String description, Supplier<T> work) {
        Instant start = Instant.now();
        long startNanos = System.nanoTime();
        int checksBefore = checks.size();
        int warningsBefore = warnings.size();
        listener.started(name, description, start);
        boolean threw = true;
        try {
            T result = work.get();
            threw = false;
            return result;
        } finally {
            boolean passed = !threw
                    && checks.subList(checksBefore, checks.size()).stream().allMatch(Check::passed);
            Step step = new Step(
                    name,
                    description,
                    start,
                    Duration.ofNanos(System.nanoTime() - startNanos).toMillis(),
                    passed,
                    warnings.subList(warningsBefore, warnings.size()));
            steps.add(step);
            listener.ended(step);
        }
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

    /**
     * Something the operator must know though no check failed (a router switch applied but not
     * stored); told with the step it happened in, and it turns the exit code of a passed run into
     * {@code 3}.
     */
    public void warning(String warning) {
        warnings.add(warning);
    }

    public void finish() {
        finishedAt = Instant.now();
    }

    /**
     * A promotion with {@code --force} switched and unfroze every router although a check failed
     * (an unplanned failover): recorded as a fact, and the exit code says it (not the 1 of a run
     * that changed nothing).
     */
    public void forcedThrough(String what) {
        forcedThrough = what;
        fact("forced", what);
    }

    /** Whether the routers were switched by {@code --force} despite a failed check ({@link #forcedThrough}). */
    public boolean forced() {
        return forcedThrough != null;
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

    public List<Step> steps() {
        return List.copyOf(steps);
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

    public List<String> warnings() {
        return List.copyOf(warnings);
    }
}
