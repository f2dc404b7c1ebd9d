package io.georeg.replicator.binding;

import io.georeg.db.Database;
import io.georeg.db.DatabaseException;
import io.georeg.ops.PeriodicJob;
import io.georeg.ops.ProcessName;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one replicator process to the primaries its tracking database replicates. Built by the
 * {@code Replicator} with the primaries it copies from: {@link #requireBound()} (when the
 * replicator is built, before anything else) binds an unbound database to them and refuses, with
 * {@link PrimaryBindingException}, a database bound to others. While the process runs,
 * {@link #start()} re-checks every {@link #INTERVAL}: a binding changed under it (someone ran
 * {@code georeg primaries --adopt} with another configuration) is logged once as an ERROR with the
 * same explanation, turns {@link #matches()} false (the replicator's readiness, the intake's 503,
 * the scheduled reconcile's skip) and the mismatch gauge to 1; a binding that matches again is
 * logged as a recovery. A check that matches also marks primaries adopted since as caught up once
 * they are ({@link PrimaryBindingStore#markCaughtUp()}), which lets the routers serve their pulls
 * from the replica again. The claim of work does not wait for this check: it compares
 * {@link #fingerprint()} with the stored rows in its own statement ({@code WorkQueue}).
 */
public final class PrimaryBindingGuard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PrimaryBindingGuard.class);
    /** How often a running process re-reads the binding: a process bound elsewhere stops within it. */
    public static final Duration INTERVAL = Duration.ofSeconds(10);

    private final PrimaryBindingStore store;
    private final PrimaryBinding binding;
    private final String database;
    private final PrimaryBindingObserver observer;
    private final PeriodicJob job;
    private volatile Optional<PrimaryBindingMismatch> mismatch = Optional.empty();

    /** @param binding the primaries this process copies from */
    public PrimaryBindingGuard(Database database, PrimaryBinding binding, PrimaryBindingObserver observer) {
        this.store = new PrimaryBindingStore(database);
        this.binding = binding;
        this.database = database.config().displayName();
        this.observer = observer;
        this.job = new PeriodicJob(
                "georeg-primary-binding",
                INTERVAL,
                LOG,
                "checking the tracking database's primary binding failed; keeping its last answer, next check in {}",
                this::recheck);
    }

    /**
     * Binds the database to this process's primaries when it is bound to none, else compares.
     *
     * @throws PrimaryBindingException when it replicates other primaries
     */
    public void requireBound() {
        List<StoredPrimary> stored = store.bindIfUnbound(binding, ProcessName.hostAndPid() + " (replicator start)");
        List<PrimaryBinding.Difference> differences = binding.differences(stored);
        if (!differences.isEmpty()) {
            throw new PrimaryBindingException(new PrimaryBindingMismatch(database, differences));
        }
        mismatch = Optional.empty();
        observer.bindingChecked(true);
    }

    /** Re-checks every {@link #INTERVAL} until {@link #close()}. */
    public void start() {
        job.start(INTERVAL);
    }

    /**
     * One check (the periodic job's run; tests call it directly): an unreachable database keeps
     * the last answer (the claims, which need the database too, wait meanwhile).
     */
    public void recheck() {
        List<StoredPrimary> stored;
        try {
            stored = store.read();
        } catch (DatabaseException e) {
            LOG.debug("primary binding check skipped: {}", e.getMessage());
            return;
        }
        List<PrimaryBinding.Difference> differences = binding.differences(stored);
        Optional<PrimaryBindingMismatch> before = mismatch;
        Optional<PrimaryBindingMismatch> now = differences.isEmpty()
                ? Optional.empty()
                : Optional.of(new PrimaryBindingMismatch(database, differences));
        mismatch = now;
        observer.bindingChecked(now.isEmpty());
        if (before.isEmpty() && now.isPresent()) {
            LOG.error(
                    "the replicator stops claiming work and refuses notifications (503) until its primaries"
                            + " match again: {}",
                    now.get().explanation());
        } else if (before.isPresent() && now.isEmpty()) {
            LOG.info("the tracking database replicates this replicator's primaries again; work resumes");
        }
        if (now.isEmpty()) {
            markCaughtUp();
        }
    }

    /**
     * Only a replicator of the binding marks it: its passes and work are the new primary's. A
     * failure is the next check's to retry (the routers go on answering from the primary meanwhile).
     */
    private void markCaughtUp() {
        try {
            for (String name : store.markCaughtUp()) {
                LOG.info(
                        "the replica has caught up with primary '{}' since it was adopted (a full reconcile pass and"
                                + " its work applied): the routers answer its pulls from the replica again",
                        name);
            }
        } catch (DatabaseException e) {
            LOG.debug("marking adopted primaries caught up skipped: {}", e.getMessage());
        }
    }

    /** Whether the binding matched at the last check (a required readiness check of the replicator). */
    public boolean matches() {
        return mismatch.isEmpty();
    }

    /** Why this process must not work while the binding differs; empty while it matches. */
    public Optional<String> refusal() {
        return mismatch.map(PrimaryBindingMismatch::explanation);
    }

    /** This process's binding as the claim of work compares it with the stored one. */
    public String fingerprint() {
        return binding.fingerprint();
    }

    @Override
    public void close() {
        job.close();
    }
}
