package dev.tandem.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Operation.AddColumn;
import dev.tandem.core.Operation.DropColumn;
import dev.tandem.core.Operation.RenameColumn;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The example the README shows must stay valid and lint clean. */
class ExampleFileTest {
    private static final Path EXAMPLE = Path.of("../examples/0001_split_customer_name.yaml");

    @Test
    void shouldParseTheReadmeExample() {
        Migration m = MigrationFiles.parse(EXAMPLE);

        assertThat(m.id()).isEqualTo("0001_split_customer_name");
        assertThat(m.operations())
                .hasExactlyElementsOfTypes(AddColumn.class, AddColumn.class, DropColumn.class, RenameColumn.class);
        assertThat(m.deprecations())
                .extracting(Deprecation::field)
                .containsExactly("customers.name", "customers.email");
    }

    @Test
    void shouldLintTheReadmeExampleWithoutFindings() {
        assertThat(Linter.lint(MigrationFiles.parse(EXAMPLE))).isEmpty();
    }
}
