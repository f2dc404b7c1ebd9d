package io.georeg.db;

import java.util.List;
import java.util.Optional;

/**
 * Where the tracking database's schema stands against the migrations this binary ships, and
 * whether this binary may run on it (expand/contract, docs/upgrades.md). Read by
 * {@link Migrations#status}; judged the same way by {@code georeg migrate --check}, by
 * {@code georeg serve} before it starts a component and by its periodic re-check.
 *
 * <p>A binary needs every migration it ships (its schema is its newest migration, {@link #known}):
 * its code uses them. It runs on a newer schema as long as the schema's
 * {@code schema_compatibility.oldest_code_schema} (raised only by contract migrations) is not above
 * its own: the migrations it does not know are expansions it can ignore.
 *
 * @param database the schema's version (its newest applied migration), 0 for an empty database
 * @param known this binary's schema: the newest migration it ships
 * @param oldestCodeSchema the oldest binary schema the database admits; 0 before the table exists
 * @param pending migrations this binary ships that the database lacks, in order
 */
public record SchemaStatus(int database, int known, int oldestCodeSchema, List<Integer> pending) {

    public SchemaStatus {
        pending = List.copyOf(pending);
    }

    /** The four answers, in the order they are decided. */
    public enum Verdict {
        /** The database has every migration of this binary and nothing newer. */
        UP_TO_DATE,
        /** Migrations of this binary are not applied yet: run {@code georeg migrate}. */
        PENDING,
        /** Newer migrations are applied, all expansions: this binary still runs (a rolling upgrade, or a rollback). */
        AHEAD,
        /** A contract migration this binary predates is applied: it must not run here. */
        INCOMPATIBLE
    }

    public Verdict verdict() {
        if (oldestCodeSchema > known) {
            return Verdict.INCOMPATIBLE;
        }
        if (database < known || !pending.isEmpty()) {
            return Verdict.PENDING;
        }
        return database > known ? Verdict.AHEAD : Verdict.UP_TO_DATE;
    }

    /** Whether a binary of schema {@link #known} may serve on this database. */
    public boolean runnable() {
        Verdict v = verdict();
        return v == Verdict.UP_TO_DATE || v == Verdict.AHEAD;
    }

    /**
     * Why {@code binary} (e.g. "georeg 0.2.0") must not run here, naming its version, the schema's
     * and what to run; empty when it may.
     */
    public Optional<String> problem(String binary) {
        return switch (verdict()) {
            case UP_TO_DATE, AHEAD -> Optional.empty();
            case PENDING ->
                Optional.of(binary + " needs database schema " + known + " but the database is at schema " + database
                        + (database == 0 ? " (empty)" : "") + " with migrations " + pending
                        + " pending: run `georeg migrate` of " + binary
                        + " first (the chart's migration Job does), then start it again");
            case INCOMPATIBLE ->
                Optional.of(binary + " knows database schema up to " + known + " but the database is at schema "
                        + database + ", migrated by a newer release whose contract migrations need georeg of schema "
                        + oldestCodeSchema + " or newer: deploy that release (its `georeg migrate --check` exits 0"
                        + " or 4 here) instead of " + binary);
        };
    }

    /** One line for logs and {@code georeg migrate --check}. */
    public String summary() {
        return switch (verdict()) {
            case UP_TO_DATE -> "database is up to date at schema " + database;
            case PENDING ->
                "database is at schema " + database + ", this binary's migrations " + pending + " are pending";
            case AHEAD ->
                "database is at schema " + database + ", ahead of this binary's " + known
                        + "; its newer migrations are expansions, so this binary still runs on it (oldest compatible"
                        + " schema " + oldestCodeSchema + ")";
            case INCOMPATIBLE ->
                "database is at schema " + database + ", ahead of this binary's " + known
                        + ", and needs a binary of schema " + oldestCodeSchema + " or newer";
        };
    }
}
