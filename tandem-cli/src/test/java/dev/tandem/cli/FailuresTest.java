package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Problem;
import dev.tandem.core.SourceLocation;
import dev.tandem.core.TandemException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

class FailuresTest {

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void shouldExitWithTheCodeOfEveryErrorCode(ErrorCode code) {
        assertThat(Failures.exitCode(new TandemException(code, "x"))).isEqualTo(code.exitCode());
    }

    @Test
    void shouldExitRefusedForGatesAndLintAndBadUsageForBadFilesAndFailedForTheDatabase() {
        assertThat(Failures.exitCode(new TandemException(ErrorCode.GATE_REFUSED, "x")))
                .isEqualTo(1);
        assertThat(Failures.exitCode(new TandemException(ErrorCode.LINT_FAILED, "x")))
                .isEqualTo(1);
        assertThat(Failures.exitCode(new TandemException(ErrorCode.SPEC_INVALID, "x")))
                .isEqualTo(2);
        assertThat(Failures.exitCode(new TandemException(ErrorCode.CONNECTION_FAILED, "x")))
                .isEqualTo(3);
        assertThat(Failures.exitCode(new TandemException(ErrorCode.LOCK_TIMEOUT, "x")))
                .isEqualTo(3);
    }

    @Test
    void shouldExitWithUsageForACommandLineMistake() {
        ParameterException e = new ParameterException(new CommandLine(new TandemCli()), "bad");

        assertThat(Failures.exitCode(e)).isEqualTo(2);
    }

    @Test
    void shouldExitWith3ForAnythingUnexpected() {
        assertThat(Failures.exitCode(new IllegalStateException("boom"))).isEqualTo(3);
        assertThat(Failures.exitCode(new UnsupportedOperationException())).isEqualTo(3);
    }

    @Test
    void shouldPrintEveryProblemOnItsOwnLine() {
        TandemException e = new TandemException(
                ErrorCode.SPEC_INVALID,
                "m.yaml has 2 problems",
                List.of(
                        new Problem(new SourceLocation("m.yaml", 3, 5), "unknown field 'tabel'"),
                        new Problem(new SourceLocation("m.yaml", 9, 1), "id is too long")));

        String err = report(e, false);

        assertThat(err.lines())
                .containsExactly(
                        "error [SPEC_INVALID]: m.yaml has 2 problems",
                        "  m.yaml:3:5: unknown field 'tabel'",
                        "  m.yaml:9:1: id is too long");
    }

    @Test
    void shouldPrintEachProblemOnceWhenTheMessageAlreadyListsIt() {
        Problem tabel = new Problem(new SourceLocation("m.yaml", 3, 5), "unknown field 'tabel'");
        Problem id = new Problem(new SourceLocation("m.yaml", 9, 1), "id is too long");
        Problem extra = new Problem(new SourceLocation("m.yaml", 12, 7), "no such column 'nmae'");
        TandemException e = new TandemException(
                ErrorCode.SPEC_INVALID, "m.yaml: 3 problems:\n  " + tabel + "\n  " + id, List.of(tabel, id, extra));

        String err = report(e, false);

        assertThat(err.lines())
                .containsExactly(
                        "error [SPEC_INVALID]: m.yaml: 3 problems:",
                        "  m.yaml:3:5: unknown field 'tabel'",
                        "  m.yaml:9:1: id is too long",
                        "  m.yaml:12:7: no such column 'nmae'");
    }

    @Test
    void shouldNameTheRootCauseWhenTheMessageDoesNot() {
        TandemException e = new TandemException(
                ErrorCode.CONNECTION_FAILED, "cannot connect to db", new SQLException("Connection refused"));

        assertThat(report(e, false)).contains("caused by: SQLException: Connection refused");
    }

    @Test
    void shouldNotPrintAStackTraceUnlessDebugging() {
        IllegalStateException e = new IllegalStateException("boom");

        String quiet = report(e, false);
        assertThat(quiet).contains("error: unexpected failure: IllegalStateException: boom");
        assertThat(quiet).contains("TANDEM_DEBUG=1").doesNotContain("\tat ");
        assertThat(report(e, true)).contains("\tat ");
    }

    private static String report(Throwable e, boolean debug) {
        StringWriter err = new StringWriter();
        Failures.report(e, new PrintWriter(err), debug);
        return err.toString();
    }
}
