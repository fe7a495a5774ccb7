package dev.tandem.openfeature;

import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.EvaluationContext;
import dev.openfeature.sdk.EventProvider;
import dev.openfeature.sdk.ImmutableMetadata;
import dev.openfeature.sdk.Metadata;
import dev.openfeature.sdk.ProviderEvaluation;
import dev.openfeature.sdk.ProviderEventDetails;
import dev.openfeature.sdk.Reason;
import dev.openfeature.sdk.Value;
import dev.tandem.client.MigrationHandle;
import dev.tandem.client.Tandem;
import dev.tandem.core.TandemException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * An OpenFeature provider whose flags are tandem's: where each migration stands for this service, as
 * {@link Tandem} sees it. tandem stays the source of truth: the provider only reads, and its flags
 * change with {@code tandem flag}, {@code cutover}, {@code complete} and the other commands.
 *
 * <p>Flags, for each migration the provider is built with:
 *
 * <table>
 *   <caption>Flag keys</caption>
 *   <tr><th>key</th><th>type</th><th>value</th></tr>
 *   <tr><td>{@code <migration id>}</td><td>string</td><td>the migration's stage, below</td></tr>
 *   <tr><td>{@code <migration id>.reads-new}</td><td>integer</td><td>the share of routing keys, 0 to 100,
 *       whose reads go to the new side</td></tr>
 * </table>
 *
 * <p>The stage names ({@link dev.tandem.client.Stage#wireName()}), in the order a migration usually
 * goes through them:
 *
 * <ul>
 *   <li>{@code old}: reads and writes go to the old side (before BACKFILLED, or no reads moved yet);
 *   <li>{@code reads-split}: some routing keys read the new side, writes go to the old side;
 *   <li>{@code reads-new}: every read goes to the new side, writes to the old side;
 *   <li>{@code writes-new}: cut over, writes go to the new side;
 *   <li>{@code complete}: only the new side is left;
 *   <li>{@code rolled-back}: only the old side is left.
 * </ul>
 *
 * <p>A migration the store does not know yet is {@code old}, with 0 reads on the new side. Any other
 * key evaluates to the caller's default with {@link ErrorCode#FLAG_NOT_FOUND}; a flag asked for as
 * another type (the stage as a boolean, the share as a string) evaluates to the default with {@link
 * ErrorCode#TYPE_MISMATCH}. Successful evaluations have reason {@link Reason#STATIC} (the value does
 * not depend on the evaluation context) and carry the migration's phase in their flag metadata.
 *
 * <p>When tandem announces a change (a phase, a flag or an authoritative side; within a second, by
 * LISTEN/NOTIFY) the provider emits {@code PROVIDER_CONFIGURATION_CHANGED} whose {@code flagsChanged}
 * lists the keys whose value changed.
 *
 * <p>Thread-safe. Evaluations read tandem-client's state in memory and never touch the database.
 * The provider does not own the {@link Tandem} client: {@link #shutdown()} stops its events, and
 * closing the client is the caller's.
 */
public final class TandemFeatureProvider extends EventProvider {
    /** The suffix of a migration's reads-new flag. */
    public static final String READS_NEW_SUFFIX = ".reads-new";

    private static final String NAME = "tandem";

    /** A migration id as tandem's files allow it. */
    private static final Pattern MIGRATION_ID = Pattern.compile("[a-z0-9_]{1,40}");

    private final Tandem tandem;
    private final Set<String> migrations;
    // The flags' values as last announced, by migration id; replaced per key, atomically.
    private final Map<String, Flags> announced = new ConcurrentHashMap<>();
    private volatile boolean shutDown;

    private TandemFeatureProvider(Tandem tandem, Set<String> migrations) {
        this.tandem = tandem;
        this.migrations = Set.copyOf(migrations);
    }

    /** Starts building a provider over {@code tandem}, which the caller keeps and closes. */
    public static Builder builder(Tandem tandem) {
        return new Builder(tandem);
    }

    @Override
    public Metadata getMetadata() {
        return () -> NAME;
    }

    @Override
    public void shutdown() {
        shutDown = true;
        super.shutdown();
    }

    @Override
    public ProviderEvaluation<String> getStringEvaluation(String key, String defaultValue, EvaluationContext ctx) {
        if (stageFlag(key)) {
            MigrationHandle m = tandem.migration(key);
            String stage = m.stage().wireName();
            return ProviderEvaluation.<String>builder()
                    .value(stage)
                    .variant(stage)
                    .reason(Reason.STATIC.name())
                    .flagMetadata(metadata(m))
                    .build();
        }
        return failure(key, defaultValue, "a string");
    }

    @Override
    public ProviderEvaluation<Integer> getIntegerEvaluation(String key, Integer defaultValue, EvaluationContext ctx) {
        String id = readsNewMigration(key);
        if (id != null) {
            MigrationHandle m = tandem.migration(id);
            int percent = m.readsNewPercent();
            return ProviderEvaluation.<Integer>builder()
                    .value(percent)
                    .variant(percent + "%")
                    .reason(Reason.STATIC.name())
                    .flagMetadata(metadata(m))
                    .build();
        }
        return failure(key, defaultValue, "an integer");
    }

    @Override
    public ProviderEvaluation<Boolean> getBooleanEvaluation(String key, Boolean defaultValue, EvaluationContext ctx) {
        return failure(key, defaultValue, "a boolean");
    }

    @Override
    public ProviderEvaluation<Double> getDoubleEvaluation(String key, Double defaultValue, EvaluationContext ctx) {
        return failure(key, defaultValue, "a double");
    }

    @Override
    public ProviderEvaluation<Value> getObjectEvaluation(String key, Value defaultValue, EvaluationContext ctx) {
        return failure(key, defaultValue, "an object");
    }

    /** Whether {@code key} is the stage flag of a migration the provider serves. */
    private boolean stageFlag(String key) {
        return key != null && migrations.contains(key);
    }

    /** The migration whose reads-new flag {@code key} is; null when it is none. */
    private String readsNewMigration(String key) {
        if (key == null || !key.endsWith(READS_NEW_SUFFIX)) {
            return null;
        }
        String id = key.substring(0, key.length() - READS_NEW_SUFFIX.length());
        return migrations.contains(id) ? id : null;
    }

    /**
     * The default, with TYPE_MISMATCH when {@code key} is one of the provider's flags (so it was asked
     * for as {@code asked}), and FLAG_NOT_FOUND otherwise.
     */
    private <T> ProviderEvaluation<T> failure(String key, T defaultValue, String asked) {
        boolean ours = stageFlag(key) || readsNewMigration(key) != null;
        String message = ours
                ? "tandem flag " + key + " is "
                        + (stageFlag(key)
                                ? "a string (the migration's stage)"
                                : "an integer (the share of reads on the new side, 0 to 100)")
                        + ", not " + asked
                : "tandem has no flag " + key + ": its flags are <migration id> (the stage, a string) and <migration"
                        + " id>" + READS_NEW_SUFFIX + " (an integer) for the migrations " + new TreeSet<>(migrations);
        return ProviderEvaluation.<T>builder()
                .value(defaultValue)
                .reason(Reason.ERROR.name())
                .errorCode(ours ? ErrorCode.TYPE_MISMATCH : ErrorCode.FLAG_NOT_FOUND)
                .errorMessage(message)
                .build();
    }

    private static ImmutableMetadata metadata(MigrationHandle m) {
        return ImmutableMetadata.builder()
                .addString("migration", m.id())
                .addString("phase", m.phase().name())
                .build();
    }

    /** Called by tandem-client on its watch thread whenever a migration's state changes; must be quick. */
    private void changed(String migrationId) {
        if (shutDown || !stageFlag(migrationId)) {
            return;
        }
        Flags now = Flags.of(tandem.migration(migrationId));
        Flags before = announced.put(migrationId, now);
        List<String> keys = new ArrayList<>(2);
        if (before == null || !before.stage().equals(now.stage())) {
            keys.add(migrationId);
        }
        if (before == null || before.readsNewPercent() != now.readsNewPercent()) {
            keys.add(migrationId + READS_NEW_SUFFIX);
        }
        if (!keys.isEmpty()) {
            emitProviderConfigurationChanged(ProviderEventDetails.builder()
                    .flagsChanged(keys)
                    .message(migrationId + " is " + now.stage() + ", " + now.readsNewPercent() + "% of reads on the"
                            + " new side")
                    .eventMetadata(ImmutableMetadata.builder()
                            .addString("migration", migrationId)
                            .build())
                    .build());
        }
    }

    /** The values of one migration's flags. */
    private record Flags(String stage, int readsNewPercent) {
        static Flags of(MigrationHandle m) {
            return new Flags(m.stage().wireName(), m.readsNewPercent());
        }
    }

    /** Builds a {@link TandemFeatureProvider}; checks every argument at {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private final Tandem tandem;
        private final Set<String> migrations = new LinkedHashSet<>();

        private Builder(Tandem tandem) {
            this.tandem = tandem;
        }

        /** Serves flags for migration {@code id}; repeatable. */
        public Builder migration(String id) {
            migrations.add(id);
            return this;
        }

        /** Serves flags for each of these migrations. */
        public Builder migrations(Collection<String> ids) {
            migrations.addAll(ids);
            return this;
        }

        /**
         * The provider. Each migration is watched by {@code tandem} from now on (and this instance's
         * heartbeats report it).
         *
         * @throws TandemException USAGE without a client or a migration, or with an id that is not a
         *     migration id ({@code [a-z0-9_]}, at most 40 characters), naming every bad one
         */
        public TandemFeatureProvider build() {
            if (tandem == null) {
                throw new TandemException(
                        dev.tandem.core.ErrorCode.USAGE,
                        "the tandem client is required: TandemFeatureProvider.builder(Tandem.connect()...build())");
            }
            if (migrations.isEmpty()) {
                throw new TandemException(
                        dev.tandem.core.ErrorCode.USAGE,
                        "name at least one migration whose flags the provider serves: .migration(\"0003_split_name\")");
            }
            List<String> bad = migrations.stream()
                    .filter(id -> id == null || !MIGRATION_ID.matcher(id).matches())
                    .map(String::valueOf)
                    .toList();
            if (!bad.isEmpty()) {
                throw new TandemException(
                        dev.tandem.core.ErrorCode.USAGE,
                        "not a migration id (lower-case letters, digits and _, at most 40 characters): "
                                + String.join(", ", bad));
            }
            TandemFeatureProvider provider = new TandemFeatureProvider(tandem, migrations);
            // Listening first: a change between the two is announced rather than missed.
            tandem.addListener(provider::changed);
            for (String id : migrations) {
                provider.announced.putIfAbsent(id, Flags.of(tandem.migration(id)));
            }
            return provider;
        }
    }
}
