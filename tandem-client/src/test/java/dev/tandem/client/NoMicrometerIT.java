package dev.tandem.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.EmbeddedPostgres;
import dev.tandem.testkit.PostgresExtension;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Micrometer is optional: a service without it on its classpath uses the client all the same. */
@ExtendWith(PostgresExtension.class)
class NoMicrometerIT {
    EmbeddedPostgres.Database db;

    @Test
    void shouldWorkWithoutMicrometerOnTheClasspath() throws Exception {
        ClientFixture.startSplit(db.dataSource());
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<URL> urls = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            if (!entry.contains("micrometer") && !entry.isBlank()) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        assertThat(urls).anyMatch(u -> u.toString().contains("postgresql"));
        try (URLClassLoader withoutMicrometer =
                new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            Class<?> probe = withoutMicrometer.loadClass(NoMicrometerProbe.class.getName());
            assertThat(probe.getClassLoader()).isSameAs(withoutMicrometer);
            Object result = probe.getMethod("run", String.class).invoke(null, db.jdbcUrl());
            assertThat(result).isEqualTo("BACKFILLED old old");
        }
    }
}
