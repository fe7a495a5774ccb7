package dev.tandem.client;

import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** {@link ShadowComparator#fields}: rows compared field by field, with ignored fields and numeric tolerances. */
final class FieldComparator implements ShadowComparator {
    private final Set<String> ignored;
    private final Map<String, Double> tolerances;

    FieldComparator(Set<String> ignored, Map<String, Double> tolerances) {
        this.ignored = ignored;
        this.tolerances = tolerances;
    }

    @Override
    public List<FieldDiff> compare(Object oldResult, Object newResult) throws Exception {
        List<FieldDiff> out = new ArrayList<>();
        compare("", oldResult, newResult, out);
        return out;
    }

    private void compare(String path, Object a, Object b, List<FieldDiff> out) throws Exception {
        if (a instanceof Collection<?> as && b instanceof Collection<?> bs) {
            if (as.size() != bs.size()) {
                out.add(new FieldDiff(path + "#rows", String.valueOf(as.size()), String.valueOf(bs.size())));
            }
            Iterator<?> ia = as.iterator();
            Iterator<?> ib = bs.iterator();
            for (int i = 0; ia.hasNext() && ib.hasNext(); i++) {
                compare(path + "[" + i + "]", ia.next(), ib.next(), out);
            }
            return;
        }
        Map<String, Object> ra = row(a);
        Map<String, Object> rb = row(b);
        if (ra != null && rb != null) {
            Set<String> names = new LinkedHashSet<>(ra.keySet());
            names.addAll(rb.keySet());
            for (String name : names) {
                if (!ignored.contains(name)) {
                    Object va = ra.get(name);
                    Object vb = rb.get(name);
                    if (!same(name, va, vb)) {
                        String field = path.isEmpty() ? name : path + "." + name;
                        out.add(new FieldDiff(field, text(va), text(vb)));
                    }
                }
            }
            return;
        }
        if (!same(path, a, b)) {
            out.add(new FieldDiff(path, text(a), text(b)));
        }
    }

    private boolean same(String field, Object a, Object b) {
        if (a instanceof Number na && b instanceof Number nb) {
            BigDecimal da = decimal(na);
            BigDecimal db = decimal(nb);
            if (da == null || db == null) {
                return na.doubleValue() == nb.doubleValue();
            }
            Double tolerance = tolerances.get(field);
            return tolerance == null
                    ? da.compareTo(db) == 0
                    : da.subtract(db).abs().compareTo(BigDecimal.valueOf(tolerance)) <= 0;
        }
        return Objects.equals(a, b);
    }

    private static BigDecimal decimal(Number n) {
        try {
            return n instanceof BigDecimal d ? d : new BigDecimal(n.toString());
        } catch (NumberFormatException nanOrInfinity) {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> row(Object o) throws Exception {
        if (o instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        if (o instanceof Record r) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                c.getAccessor().setAccessible(true);
                out.put(c.getName(), c.getAccessor().invoke(r));
            }
            return out;
        }
        return null;
    }

    private static String text(Object o) {
        return o == null ? null : String.valueOf(o);
    }
}
