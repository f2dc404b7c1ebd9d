package io.georeg.app.cli;

import io.georeg.app.config.ConfigException;
import io.georeg.app.config.ConfigLoader;
import io.georeg.app.config.DurationText;
import io.georeg.app.config.GeoregConfig;
import io.georeg.app.config.Primaries;
import io.georeg.app.config.RouterSection;
import io.georeg.app.health.HealthCommand;
import io.georeg.app.logging.ConsoleLog;
import io.georeg.app.wiring.PromotionCommandSession;
import io.georeg.app.wiring.ReplicatorCommandSession;
import io.georeg.db.Database;
import io.georeg.failover.cli.DrillCommand;
import io.georeg.failover.cli.PromoteCommand;
import io.georeg.replicator.cli.PreheatCommand;
import io.georeg.replicator.cli.PrimariesCommand;
import io.georeg.replicator.cli.ReconcileCommand;
import io.georeg.replicator.cli.RetryCommand;
import io.georeg.router.RouterConfig;
import io.georeg.status.StatusCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code georeg} command and its subcommand tree. Adding a subcommand is adding one class
 * (a {@code Callable<Integer>} with {@code @Command} and a {@code @ParentCommand GeoregCommand}
 * field for the configuration) and naming it in {@code subcommands} below; commands of other
 * modules ({@code status}, {@code retry}, {@code reconcile}, {@code preheat}, {@code primaries} from
 * the replicator)
 * are instances added in {@link #commandLine(Map)}, given the configuration through a supplier.
 *
 * <p>Every subcommand, wherever it is declared, inherits {@code --help} and {@code --version} from
 * this command ({@code scope = INHERIT}) and reads {@link Duration} options with
 * {@link DurationText}, as the configuration file reads its durations.
 *
 * <p>Exit codes: 0 success, 1 failure at run time, 2 bad usage or bad configuration; commands that
 * answer a question by their exit code document their own ({@code migrate --check} 3–5,
 * {@code health} 3, {@code primaries} 3).
 */
@Command(
        name = "georeg",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        scope = ScopeType.INHERIT,
        description = "Geo secondary for container registries: one hostname for two sites.",
        subcommands = {
            ServeCommand.class,
            MigrateCommand.class,
            ImportCommand.class,
            HealthCommand.class,
            VersionCommand.class,
            CommandLine.HelpCommand.class
        })
public final class GeoregCommand implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(GeoregCommand.class);

    @Option(
            names = {"-c", "--config"},
            paramLabel = "FILE",
            scope = ScopeType.INHERIT,
            description = "YAML configuration (keys: docs/configuration.md). Without it: embedded defaults. "
                    + "GEOREG_* environment variables override either.")
    Path configFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final Map<String, String> environment;

    public GeoregCommand(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /** The configured command line, with georeg's exit codes for configuration and run-time errors. */
    public static CommandLine commandLine(Map<String, String> environment) {
        GeoregCommand georeg = new GeoregCommand(environment);
        CommandLine cli = new CommandLine(georeg);
        // The replicator module's commands, given this command line's configuration (--config,
        // environment) through suppliers evaluated when they run.
        cli.addSubcommand(new StatusCommand(
                () -> georeg.config().database(),
                () -> Primaries.of(georeg.config()).owners()));
        cli.addSubcommand(new RetryCommand(() -> new Database(georeg.config().database()).start()));
        cli.addSubcommand(new ReconcileCommand(() -> new ReplicatorCommandSession(georeg.config())));
        cli.addSubcommand(new PreheatCommand(() -> new ReplicatorCommandSession(georeg.config())));
        cli.addSubcommand(new PrimariesCommand(
                () -> new Database(georeg.config().database()).start(),
                () -> Primaries.of(georeg.config()).sources(georeg.config())));
        // The failover module's commands: drill needs the tracking database, promote a replicator and verifier too.
        cli.addSubcommand(new DrillCommand(
                () -> new Database(georeg.config().database()).start(),
                georeg::configuredAdminToken,
                () -> georeg.config().primary()));
        cli.addSubcommand(new PromoteCommand(
                () -> new PromotionCommandSession(georeg.config()),
                georeg::configuredAdminToken,
                () -> georeg.config().primary()));
        // After every subcommand is added (picocli gives a converter to the subcommands present):
        // a duration option reads like a duration key of the configuration file (5m, PT5M).
        cli.registerConverter(Duration.class, GeoregCommand::duration);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException) {
                commandLine.getErr().println("georeg: " + e.getMessage());
                return 2;
            }
            // georeg's own exceptions carry a message that says what to fix: the stack trace only
            // helps for the unexpected ones (and at debug level for ours).
            if (e.getClass().getName().startsWith("io.georeg.") && e.getMessage() != null) {
                LOG.debug("georeg {} failed", commandLine.getCommandName(), e);
            } else {
                LOG.error("georeg {} failed", commandLine.getCommandName(), e);
            }
            commandLine.getErr().println("georeg " + commandLine.getCommandName() + " failed: " + e.getMessage());
            return 1;
        });
        return cli;
    }

    private static Duration duration(String text) {
        try {
            return DurationText.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** Loads and validates the configuration named by {@code --config}, over defaults and environment. */
    public GeoregConfig config() {
        GeoregConfig config = new ConfigLoader(environment).load(Optional.ofNullable(configFile));
        ConsoleLog.use(config.logFormat());
        return config;
    }

    /** The configuration's {@code router.admin.token}, the token drill and promote send when no option names one. */
    Optional<String> configuredAdminToken() {
        return Optional.ofNullable(config().router()).map(RouterSection::admin).map(RouterConfig.Admin::token);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
