package dev.tandem.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A subcommand. Maps every failure to an exit code itself, so a command behaves the same whether it is
 * run by {@link TandemCli#main} or by a test's {@code new CommandLine(new TandemCli())}.
 */
abstract class TandemCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Does the work and returns the exit code; may throw anything. */
    abstract int execute() throws Exception;

    @Override
    public final Integer call() {
        try {
            return execute();
        } catch (ParameterException e) {
            throw e; // picocli prints it with the usage and exits 2
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Failures.report(e, err(), debug());
        } catch (Exception e) {
            return Failures.report(e, err(), debug());
        } finally {
            out().flush();
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    Map<String, String> environment() {
        return spec.root().userObject() instanceof TandemCli cli ? cli.environment() : System.getenv();
    }

    boolean debug() {
        return spec.root().userObject() instanceof TandemCli cli && cli.debug();
    }

    ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
