package dev.tandem.postgres;

import dev.tandem.core.Migration;
import java.util.List;

/** Every step tandem would run for a migration, in order, computed against the live database. */
public record Plan(Migration migration, List<PlannedStep> steps) {
    public Plan {
        steps = List.copyOf(steps);
    }

    public List<PlannedStep> steps(Stage stage) {
        return steps.stream().filter(s -> s.stage() == stage).toList();
    }
}
