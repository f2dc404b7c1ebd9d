package io.georeg.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class GeoregCommandTest {
    /**
     * For each subcommand that loads the configuration, arguments that parse (its required options
     * and parameters); {@link #everySubcommandThatLoadsTheConfigurationIsListed} keeps this in step.
     */
    private static final Map<String, List<String>> PARSING_ARGUMENTS = Map.of(
            "serve", List.of(),
            "migrate", List.of(),
            "import", List.of("layouts"),
            "status", List.of(),
            "retry", List.of(),
            "reconcile", List.of(),
            "preheat", List.of("team/app"),
            "primaries", List.of(),
            "drill", List.of("--router", "http://127.0.0.1:9", "--admin-token", "t", "--report", "reports"),
            "promote",
                    List.of(
                            "--router",
                            "http://127.0.0.1:9",
                            "--admin-token",
                            "t",
                            "--new-primary",
                            "http://127.0.0.1:9"));

    private static final List<String> COMMANDS_WITHOUT_CONFIGURATION = List.of("help", "version", "health");
    /** What makes a command without configuration parse (for the option tests). */
    private static final Map<String, List<String>> PARSING_WITHOUT_CONFIGURATION =
            Map.of("health", List.of("--url", "http://127.0.0.1:9"));

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Map<String, String> env, String... args) {
        CommandLine cli = GeoregCommand.commandLine(env);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void helpListsTheSubcommands() {
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(out.toString()).contains("serve", "migrate", "import", "version", "--config");
    }

    @Test
    void versionNamesGeoregAndTheJavaRuntime() {
        assertThat(run(Map.of(), "version")).isZero();
        assertThat(out.toString())
                .startsWith("georeg ")
                .contains("Java " + Runtime.version().feature());
    }

    @Test
    void unknownConfigurationKeyExitsWithTwoNamingTheKey() throws IOException {
        Path config = Files.writeString(dir.resolve("georeg.yaml"), "registryRead:\n  prot: 5000\n");
        assertThat(run(Map.of(), "--config", config.toString(), "migrate")).isEqualTo(2);
        assertThat(err.toString()).contains("registryRead.prot").contains("port");
    }

    @Test
    void invalidEnvironmentOverrideExitsWithTwoNamingTheKey() {
        assertThat(run(Map.of("GEOREG_DATABASE_URL", "mysql://x"), "serve")).isEqualTo(2);
        assertThat(err.toString()).contains("database.url");
    }

    @Test
    void missingConfigurationFileExitsWithTwo() {
        assertThat(run(Map.of(), "-c", dir.resolve("absent.yaml").toString(), "serve"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("absent.yaml");
    }

    static Stream<String> subcommands() {
        return GeoregCommand.commandLine(Map.of()).getSubcommands().keySet().stream();
    }

    @ParameterizedTest
    @MethodSource("subcommands")
    void everySubcommandAnswersHelpWithItsUsage(String subcommand) {
        assertThat(run(Map.of(), subcommand, "--help")).isZero();
        assertThat(out.toString()).contains("Usage: georeg " + subcommand + " ");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void everySubcommandThatLoadsTheConfigurationIsListed() {
        List<String> listed = new ArrayList<>(PARSING_ARGUMENTS.keySet());
        listed.addAll(COMMANDS_WITHOUT_CONFIGURATION);
        assertThat(new TreeSet<>(
                        GeoregCommand.commandLine(Map.of()).getSubcommands().keySet()))
                .containsExactlyElementsOf(new TreeSet<>(listed));
    }

    static Stream<String> subcommandsThatLoadTheConfiguration() {
        return PARSING_ARGUMENTS.keySet().stream().sorted();
    }

    @ParameterizedTest
    @MethodSource("subcommandsThatLoadTheConfiguration")
    void missingConfigurationFileIsOneLineNamingItNotAStackTrace(String subcommand) {
        Path absent = dir.resolve("absent.yaml");
        List<String> args = new ArrayList<>(List.of("--config", absent.toString(), subcommand));
        args.addAll(PARSING_ARGUMENTS.get(subcommand));
        assertThat(run(Map.of(), args.toArray(String[]::new))).isEqualTo(2);
        assertThat(err.toString())
                .isEqualTo("georeg: configuration file " + absent + " does not exist (--config names it)"
                        + System.lineSeparator());
        assertThat(out.toString()).isEmpty();
    }

    /** Every duration option of every subcommand, each with the arguments that make its subcommand parse. */
    static Stream<Arguments> durationOptions() {
        List<Arguments> options = new ArrayList<>();
        GeoregCommand.commandLine(Map.of()).getSubcommands().forEach((name, sub) -> {
            for (OptionSpec option : sub.getCommandSpec().options()) {
                if (option.type() == Duration.class) {
                    options.add(Arguments.of(name, option.longestName()));
                }
            }
        });
        assertThat(options).as("duration options of georeg's subcommands").isNotEmpty();
        return options.stream();
    }

    @ParameterizedTest
    @MethodSource("durationOptions")
    void durationOptionsReadTheFormsOfTheConfigurationFile(String subcommand, String option) {
        for (String text : List.of("5m", "PT5M", "300s", "300")) {
            List<String> args = new ArrayList<>(List.of(subcommand, option, text));
            args.addAll(PARSING_ARGUMENTS.getOrDefault(subcommand, PARSING_WITHOUT_CONFIGURATION.get(subcommand)));
            CommandLine.ParseResult parsed = GeoregCommand.commandLine(Map.of()).parseArgs(args.toArray(String[]::new));
            assertThat((Duration) parsed.subcommand().matchedOptionValue(option, null))
                    .as(text)
                    .isEqualTo(Duration.ofMinutes(5));
        }
    }

    @Test
    void aDurationOptionThatIsNoDurationIsAUsageErrorShowingTheForms() {
        assertThat(run(Map.of(), "reconcile", "--timeout", "5x")).isEqualTo(2);
        assertThat(err.toString()).contains("'5x' is not a duration: write e.g. 250ms, 5s, 2m, 1h or PT5S");
    }

    @Test
    void unknownSubcommandIsAUsageError() {
        assertThat(run(Map.of(), "pull")).isEqualTo(2);
        assertThat(err.toString()).contains("pull");
    }
}
