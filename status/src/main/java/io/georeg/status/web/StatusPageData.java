package io.georeg.status.web;

import io.georeg.db.Database;
import io.georeg.oci.NamespaceOwners;
import io.georeg.status.LagHistoryQuery;
import io.georeg.status.RecentFailuresQuery;
import io.georeg.status.StatusQuery;
import io.georeg.status.StatusReport;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Everything one status page shows, read from the tracking database by {@link #read}: the
 * {@code georeg status} report with every repository, the lag history and the recent failures.
 * The three reads are separate statements (a page is a glance, not an audit), each cheap.
 *
 * @param filter the repository search ({@code ?q=}), lower-case; empty shows all repositories
 */
public record StatusPageData(
        StatusReport report,
        List<LagHistoryQuery.LagPoint> lagHistory,
        List<RecentFailuresQuery.FailedItem> recentFailures,
        String filter) {

    /**
     * Reads the page's data. The repository search filters the first
     * {@link StatusPageSettings#maxRepositories()} repositories by name (case-insensitive substring).
     */
    public static StatusPageData read(Database database, StatusPageSettings settings, String filter) {
        return read(database, null, settings, filter);
    }

    /** {@link #read(Database, StatusPageSettings, String)} with the queue per primary when {@code owners} has several. */
    public static StatusPageData read(
            Database database, NamespaceOwners owners, StatusPageSettings settings, String filter) {
        String q = filter == null ? "" : filter.strip().toLowerCase(Locale.ROOT);
        StatusReport report = new StatusQuery(database, owners)
                .read(
                        settings.lagWindow(),
                        settings.failureGroups(),
                        StatusQuery.Repositories.ALL,
                        Optional.empty(),
                        settings.maxRepositories());
        if (!q.isEmpty()) {
            report = new StatusReport(
                    report.generatedAt(),
                    report.window(),
                    report.queue(),
                    report.oldestPending(),
                    report.lag(),
                    report.replicated(),
                    report.lastReconcile(),
                    report.verification(),
                    report.failuresByReason(),
                    report.repositories().stream()
                            .filter(r -> r.name().toLowerCase(Locale.ROOT).contains(q))
                            .toList(),
                    report.outageShield(),
                    report.primaries(),
                    report.routers());
        }
        return new StatusPageData(
                report,
                new LagHistoryQuery(database).read(settings.chartSpan()),
                new RecentFailuresQuery(database).read(settings.recentFailures()),
                q);
    }
}
