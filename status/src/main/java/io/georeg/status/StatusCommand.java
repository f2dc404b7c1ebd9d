package io.georeg.status;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.oci.NamespaceOwners;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code georeg status}: replication state from the tracking database (issue 6, item 1), as text
 * tables or, with {@code --json}, as the object {@link StatusJson} documents. Read-only: it opens a
 * small pool without migrating, reads one snapshot ({@link StatusQuery}) and closes it.
 *
 * <p>The app registers it with the database configuration it loaded, e.g.
 * {@code cli.addSubcommand(new StatusCommand(() -> georeg.config().database()))}, so the command
 * honours {@code --config} and the environment like every other subcommand.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Show replication state: queue by state, oldest pending age, lag p50/p99, bytes replicated, "
                    + "last reconcile, verification results and failures by reason.",
            "Exit code 0, or 1 with --fail-on-lag when the oldest pending change is older than its limit "
                    + "(the report is printed either way); 2 for invalid options. Scripts read --json."
        })
public final class StatusCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object with stable field names instead of tables.")
    boolean json;

    @Option(
            names = "--fail-on-lag",
            paramLabel = "DURATION",
            description =
                    "Exit 1 when the oldest pending change is older than this, e.g. 5m or PT5M (a pipeline's lag gate).")
    Duration failOnLag;

    @Option(
            names = "--window",
            paramLabel = "MINUTES",
            defaultValue = "15",
            description = "How far back lag and bytes replicated look, in minutes (default: ${DEFAULT-VALUE}).")
    int windowMinutes;

    @Option(names = "--repository", paramLabel = "NAME", description = "Also show the state of this repository.")
    String repository;

    @Option(names = "--repositories", description = "Also show the state of every repository.")
    boolean allRepositories;

    @Option(
            names = "--max-repositories",
            paramLabel = "N",
            defaultValue = "1000",
            description = "At most this many repositories with --repositories (default: ${DEFAULT-VALUE}).")
    int maxRepositories;

    @Option(
            names = "--failures",
            paramLabel = "N",
            defaultValue = "10",
            description = "At most this many failure reasons (default: ${DEFAULT-VALUE}).")
    int failureGroups;

    @Spec
    CommandSpec spec;

    private final Supplier<DatabaseConfig> database;
    private final Supplier<NamespaceOwners> owners;

    public StatusCommand(Supplier<DatabaseConfig> database) {
        this(database, () -> null);
    }

    /** @param owners which primary owns a repository: with several, the report shows the queue per primary */
    public StatusCommand(Supplier<DatabaseConfig> database, Supplier<NamespaceOwners> owners) {
        this.database = database;
        this.owners = owners;
    }

    @Override
    public Integer call() {
        if (failOnLag != null && failOnLag.isNegative()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--fail-on-lag must not be negative");
        }
        if (windowMinutes < 1 || failureGroups < 0 || maxRepositories < 1) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(),
                    "--window must be at least 1 minute, --failures at least 0 and --max-repositories at least 1");
        }
        if (repository != null && allRepositories) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "use either --repository NAME or --repositories, not both");
        }
        StatusQuery.Repositories which = repository != null
                ? StatusQuery.Repositories.ONE
                : allRepositories ? StatusQuery.Repositories.ALL : StatusQuery.Repositories.NONE;
        StatusReport report;
        try (Database db = new Database(database.get().withMigrateOnStart(false)).start()) {
            report = new StatusQuery(db, owners.get())
                    .read(
                            Duration.ofMinutes(windowMinutes),
                            failureGroups,
                            which,
                            Optional.ofNullable(repository),
                            maxRepositories);
        }
        boolean withRepositories = which != StatusQuery.Repositories.NONE;
        PrintWriter out = spec.commandLine().getOut();
        out.print(
                json
                        ? StatusJson.render(report, withRepositories) + "\n"
                        : StatusTable.render(report, withRepositories));
        out.flush();
        return lagExceeded(report) ? 1 : 0;
    }

    private boolean lagExceeded(StatusReport report) {
        return failOnLag != null
                && report.oldestPendingAge()
                        .filter(age -> age.compareTo(failOnLag) > 0)
                        .isPresent();
    }
}
