package dev.tandem.testkit;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: each test gets a fresh database on the shared embedded PostgreSQL 17 server,
 * injected as a {@link EmbeddedPostgres.Database} parameter or into a non-static field of that type.
 */
public final class PostgresExtension implements BeforeEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(PostgresExtension.class);

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        Object instance = context.getRequiredTestInstance();
        for (Class<?> c = instance.getClass(); c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getType() == EmbeddedPostgres.Database.class && !Modifier.isStatic(f.getModifiers())) {
                    f.setAccessible(true);
                    f.set(instance, database(context));
                }
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EmbeddedPostgres.Database.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return database(context);
    }

    private static EmbeddedPostgres.Database database(ExtensionContext context) {
        return context.getStore(NS)
                .getOrComputeIfAbsent("db", k -> EmbeddedPostgres.newDatabase(), EmbeddedPostgres.Database.class);
    }
}
