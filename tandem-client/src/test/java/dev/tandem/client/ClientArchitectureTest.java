package dev.tandem.client;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** What a library that runs inside other people's services must not do. Each reason says how to fix it. */
class ClientArchitectureTest {
    private static final JavaClasses CLIENT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.tandem.client");

    @Test
    void shouldNotDependOnTheEngineTheRelayOrTheCli() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.tandem.postgres..", "dev.tandem.relay..", "dev.tandem.cli..")
                .because("tandem-client is embedded in services and shares no code with the engine (DESIGN.md,"
                        + " Modules); read the state tables directly, or move a shared type down into tandem-core")
                .check(CLIENT);
    }

    @Test
    void shouldNameMicrometerOnlyWhereARegistryIsGiven() {
        noClasses()
                .that()
                .doNotHaveFullyQualifiedName(MicrometerMetrics.class.getName())
                .and()
                .doNotHaveFullyQualifiedName(Tandem.Builder.class.getName())
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.micrometer..")
                .because("Micrometer is optional: a service without it must be able to load every class on its"
                        + " path; report through ClientMetrics and implement it in MicrometerMetrics")
                .check(CLIENT);
    }

    @Test
    void shouldNotPrintToTheServicesConsole() {
        noClasses()
                .should()
                .accessField(System.class, "out")
                .orShould()
                .accessField(System.class, "err")
                .orShould()
                .callMethod(System.class, "setOut", PrintStream.class)
                .because("the service owns its console; log through SLF4J (Logs) instead")
                .check(CLIENT);
    }
}
