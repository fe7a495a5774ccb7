package dev.tandem.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** Rules that keep the modules apart. Each rule's reason says how to fix a failure. */
class ArchitectureTest {
    private static final JavaClasses TANDEM = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.tandem");

    @Test
    void packagesShouldBeFreeOfCycles() {
        ArchRule rule = slices().matching("dev.tandem.(*)..")
                .should()
                .beFreeOfCycles()
                .because("modules depend one way (core <- postgres <- cli, see DESIGN.md, Modules);"
                        + " move the shared type down into the lower module, or invert the dependency with an"
                        + " interface the lower module owns");

        rule.check(TANDEM);
    }

    @Test
    void coreShouldNotTouchJdbcOrPostgres() {
        ArchRule rule = noClasses()
                .that()
                .resideInAPackage("dev.tandem.core..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("java.sql..", "javax.sql..", "org.postgresql..")
                .because("tandem-core is the file model, lint and phases, with no JDBC (DESIGN.md, Modules);"
                        + " put code that talks to a database in tandem-postgres and give core plain values");

        rule.check(TANDEM);
    }

    @Test
    void onlyTheCliShouldPrintToStandardOutput() {
        ArchRule rule = noClasses()
                .that()
                .resideOutsideOfPackage("dev.tandem.cli..")
                .should()
                .accessField(System.class, "out")
                .orShould()
                .callMethod(System.class, "setOut", PrintStream.class)
                .because("standard output belongs to the CLI (it carries --json and lint findings);"
                        + " report through EngineListener or a return value, or throw TandemException,"
                        + " and let the CLI print it");

        rule.check(TANDEM);
    }
}
