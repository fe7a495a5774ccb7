package dev.tandem.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RowTextTest {
    @Test
    void shouldReadTheFieldsOfARowValueAsPostgresWritesThem() {
        assertThat(RowText.fields("(42)")).containsExactly("42");
        assertThat(RowText.fields("(7,abc)")).containsExactly("7", "abc");
        assertThat(RowText.fields("(7,\"a, b\")")).containsExactly("7", "a, b");
        assertThat(RowText.fields("(\"say \"\"hi\"\"\",\"back\\\\slash\")"))
                .containsExactly("say \"hi\"", "back\\slash");
        assertThat(RowText.fields("(,\"\")")).isEqualTo(Arrays.asList(null, ""));
        assertThat(RowText.fields("(\"(x)\",é)")).containsExactly("(x)", "é");
    }

    @Test
    void shouldRefuseTextThatIsNotARow() {
        assertThatThrownBy(() -> RowText.fields("42")).hasMessageContaining("not the text of a row value: 42");
    }
}
