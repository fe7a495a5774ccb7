package dev.tandem.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code tandem} command line. Each subcommand is a thin layer over a public API of the other
 * modules; this package is the only code that prints to standard output.
 *
 * <p>Exit codes: 0 done; 1 refused (a gate, lint errors, verification drift); 2 bad usage or a bad file; 3 a database or
 * connection failure, or anything unexpected.
 */
@Command(
        name = "tandem",
        mixinStandardHelpOptions = true,
        // Subcommands inherit --help, --version, the exit codes and the footer.
        scope = ScopeType.INHERIT,
        versionProvider = TandemCli.Version.class,
        description =
                "Zero-downtime PostgreSQL schema changes: expand, backfill, contract, with rollback one command away.",
        subcommands = {
            LintCommand.class,
            PlanCommand.class,
            StartCommand.class,
            MigrateCommand.class,
            BackfillCommand.class,
            StatusCommand.class,
            FlagCommand.class,
            VerifyCommand.class,
            TransitionCommand.Cutover.class,
            TransitionCommand.Revert.class,
            TransitionCommand.Complete.class,
            TransitionCommand.Rollback.class,
            HistoryCommand.class,
            RelayCommand.class,
            DeadLettersCommand.class,
            ConvertCommand.class,
            DemoCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:refused: a gate, lint errors, verification drift",
            "2:bad usage or a bad file",
            "3:database or connection failure"
        },
        footer = {
            "",
            "The database URL may come from TANDEM_URL (and TANDEM_USER, TANDEM_PASSWORD);",
            "the URL of another store from TANDEM_STORE_<NAME>_URL.",
            "Set TANDEM_DEBUG=1 to print stack traces."
        })
public final class TandemCli implements Callable<Integer> {
    private final Map<String, String> environment;

    @Spec
    CommandSpec spec;

    TandemCli() {
        this(System.getenv());
    }

    /** With an explicit environment, so tests need not set real environment variables. */
    TandemCli(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    public static void main(String[] args) {
        System.exit(commandLine(new TandemCli()).execute(args));
    }

    /**
     * A command line for {@code cli} that maps any failure picocli itself sees to an exit code. The
     * commands map their own failures, so a bare {@code new CommandLine(cli)} behaves the same.
     */
    static CommandLine commandLine(TandemCli cli) {
        CommandLine commandLine = new CommandLine(cli);
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> Failures.report(e, cl.getErr(), cli.debug()));
        return commandLine;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing command: try `tandem demo`, or `tandem help`");
    }

    Map<String, String> environment() {
        return environment;
    }

    boolean debug() {
        String value = environment.get("TANDEM_DEBUG");
        return value != null && !value.isBlank() && !value.equals("0") && !value.equalsIgnoreCase("false");
    }

    /** The version from the jar's manifest; "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = TandemCli.class.getPackage().getImplementationVersion();
            return new String[] {
                "tandem " + (version == null ? "development" : version),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
            };
        }
    }
}
