package dev.tandem.cli;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.Migration;
import dev.tandem.core.Operation.MoveTable;
import dev.tandem.core.TandemException;
import dev.tandem.postgres.ConnectionSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import picocli.CommandLine.Option;

/**
 * The other stores a move reaches (DESIGN.md, CLI): {@code --store NAME=URL}, repeatable, or
 * {@code TANDEM_STORE_<NAME>_URL} in the environment. A flag wins over the environment for the same
 * store. URLs take the forms {@code --url} takes; credentials go in the URL. A picocli mixin.
 */
final class StoreOptions {
    static final String ENV_PREFIX = "TANDEM_STORE_";
    static final String ENV_SUFFIX = "_URL";

    /** A store's name, as a file's {@code to: { store: ... }} spells it. */
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    @Option(
            names = "--store",
            paramLabel = "NAME=URL",
            description = "Another service's store that a move_table reaches, such as billing=postgres://u:p@host/db"
                    + " (repeatable). Default: $" + ENV_PREFIX + "<NAME>" + ENV_SUFFIX + ".")
    List<String> stores = new ArrayList<>();

    /** The flag and the variable that name a store's URL, as a message names them. */
    static String howToName(String store) {
        return "--store " + store + "=URL or set " + variable(store);
    }

    static String variable(String store) {
        return ENV_PREFIX + store.toUpperCase(Locale.ROOT) + ENV_SUFFIX;
    }

    /**
     * The URL of each store, by name in name order: every {@code --store} flag, then each
     * {@code TANDEM_STORE_<NAME>_URL} for a name no flag gives.
     *
     * @throws TandemException USAGE for a flag that is not NAME=URL, a name that is not a store
     *     name, or a store given twice
     */
    Map<String, String> urls(Map<String, String> environment) {
        Map<String, String> urls = new TreeMap<>();
        for (String flag : stores) {
            int eq = flag.indexOf('=');
            String name = eq < 0 ? flag : flag.substring(0, eq);
            if (eq < 0 || flag.substring(eq + 1).isBlank()) {
                throw usage("--store " + flag + " has no URL; write --store NAME=URL, such as --store"
                        + " billing=postgres://user:pass@host:5432/billing");
            }
            if (!NAME.matcher(name).matches()) {
                throw usage("--store " + name + "=...: a store name must match [a-z][a-z0-9_]*, as in the file's"
                        + " 'to: { store: ... }'");
            }
            if (urls.put(name, flag.substring(eq + 1).strip()) != null) {
                throw usage("--store " + name + " is given twice; give each store once");
            }
        }
        environment.forEach((key, value) -> {
            if (key.startsWith(ENV_PREFIX)
                    && key.endsWith(ENV_SUFFIX)
                    && key.length() > ENV_PREFIX.length() + ENV_SUFFIX.length()) {
                String name = key.substring(ENV_PREFIX.length(), key.length() - ENV_SUFFIX.length())
                        .toLowerCase(Locale.ROOT);
                if (NAME.matcher(name).matches() && variable(name).equals(key) && value != null && !value.isBlank()) {
                    urls.putIfAbsent(name, value.strip());
                }
            }
        });
        return urls;
    }

    /**
     * A {@link DataSource} for every store given, by name; nothing connects yet.
     *
     * @throws TandemException USAGE as {@link #urls} does, or for a URL that is not one, naming its store
     */
    Map<String, DataSource> dataSources(Map<String, String> environment) {
        Map<String, DataSource> out = new LinkedHashMap<>();
        urls(environment).forEach((name, url) -> {
            try {
                out.put(name, ConnectionSettings.dataSource(url, null, null));
            } catch (TandemException e) {
                throw new TandemException(e.code(), "store " + name + ": " + e.getMessage(), e);
            }
        });
        return out;
    }

    /**
     * The stores the moves of {@code migration} reach, by name.
     *
     * @throws TandemException USAGE naming every store a move names that has no URL, with the flag and
     *     the variable that give one
     */
    Map<String, DataSource> dataSourcesFor(Migration migration, Map<String, String> environment) {
        Map<String, DataSource> all = dataSources(environment);
        Map<String, DataSource> needed = new LinkedHashMap<>();
        Map<String, String> missing = new LinkedHashMap<>();
        for (MoveTable move : MoveChecks.moves(migration)) {
            DataSource store = all.get(move.toStore());
            if (store != null) {
                needed.put(move.toStore(), store);
            } else {
                missing.putIfAbsent(
                        move.toStore(),
                        "move_table at " + move.location() + " moves " + move.table() + " to store " + move.toStore()
                                + ", which has no URL: pass " + howToName(move.toStore()));
            }
        }
        if (!missing.isEmpty()) {
            throw usage(String.join("\n", missing.values()));
        }
        return needed;
    }

    private static TandemException usage(String message) {
        return new TandemException(ErrorCode.USAGE, message);
    }
}
