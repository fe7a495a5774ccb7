package dev.tandem.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.Node.Kind;
import dev.tandem.core.Node.MapNode;
import dev.tandem.core.Node.Scalar;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TandemYamlTest {

    @Test
    void shouldQuoteOnlyTheStringsYamlWouldReadAsSomethingElse() {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("plain", "split_part(name, ' ', 1)");
        tree.put("literal", "'basic'");
        tree.put("keyword", "yes");
        tree.put("digits", "0012");
        tree.put("colon", "a: b");
        tree.put("comment", "x #y");

        assertThat(TandemYaml.write(tree)).isEqualTo("""
                plain: split_part(name, ' ', 1)
                literal: "'basic'"
                keyword: "yes"
                digits: "0012"
                colon: "a: b"
                comment: "x #y"
                """);
    }

    @Test
    void shouldWriteSqlOnSeveralLinesAsALiteralBlock() {
        assertThat(TandemYaml.write(Map.of("up", "UPDATE customers\nSET tier = 'gold'\nWHERE id > 10")))
                .isEqualTo("""
                        up: |-
                          UPDATE customers
                          SET tier = 'gold'
                          WHERE id > 10
                        """);
    }

    @Test
    void shouldKeepNumbersBooleansAndNullsAsTheSourceHadThem() {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("count", new Scalar("42", Kind.NUMBER, null));
        tree.put("b", new Scalar("True", Kind.BOOLEAN, null));
        tree.put("z", new Scalar(null, Kind.NULL, null));
        tree.put("s", new Scalar("42", Kind.STRING, null));

        assertThat(TandemYaml.write(tree)).isEqualTo("count: 42\nb: true\nz: null\ns: \"42\"\n");
    }

    @Test
    void shouldReadBackEveryAwkwardStringExactly() {
        List<String> awkward = List.of(
                "1e3",
                "0x1F",
                ".inf",
                "1_000",
                "~",
                "null",
                "- x",
                "*a",
                "&a",
                "!t",
                "%p",
                "@a",
                "`b`",
                "[x]",
                "{x}",
                "?",
                "|",
                ">",
                "---",
                " lead",
                "trail ",
                "tab\tin",
                "x\r\ny",
                "a\u0085b",
                "ünï 😀",
                "",
                "line with trailing space \nnext",
                "'q'",
                "\"dq\"");
        for (String value : awkward) {
            String yaml = TandemYaml.write(Map.of("k", value, "l", List.of(value)));

            Problems problems = new Problems();
            MapNode read = (MapNode) NodeReader.read("t.yaml", yaml, NodeReader.Format.YAML, problems);
            assertThat(problems.isEmpty()).as(yaml).isTrue();
            assertThat(read.entries().get("k").value()).as(yaml).isInstanceOfSatisfying(Scalar.class, s -> {
                assertThat(s.kind()).isEqualTo(Kind.STRING);
                assertThat(s.text()).isEqualTo(value);
            });
        }
    }
}
