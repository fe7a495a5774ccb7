package dev.tandem.cli;

import dev.tandem.postgres.ConnectionSettings;
import java.util.Map;
import javax.sql.DataSource;
import picocli.CommandLine.Option;

/** Where the target database is: {@code --url}, {@code --user}, {@code --password}, or the environment. */
final class ConnectionOptions {
    static final String URL_ENV = "TANDEM_URL";
    static final String USER_ENV = "TANDEM_USER";
    static final String PASSWORD_ENV = "TANDEM_PASSWORD";

    @Option(
            names = "--url",
            paramLabel = "URL",
            description = "The target database: jdbc:postgresql://host:port/db or postgres://user:pass@host:port/db."
                    + " Default: $" + URL_ENV + ".")
    String url;

    @Option(
            names = "--user",
            paramLabel = "USER",
            description = "Overrides the URL's user. Default: $" + USER_ENV + ".")
    String user;

    @Option(
            names = "--password",
            paramLabel = "PASSWORD",
            description =
                    "Overrides the URL's password. Prefer $" + PASSWORD_ENV + ": arguments are visible to other users.")
    String password;

    /** The URL given, else the one in the environment; null when neither is set. */
    String url(Map<String, String> environment) {
        return url != null ? url : environment.get(URL_ENV);
    }

    DataSource dataSource(Map<String, String> environment) {
        return ConnectionSettings.dataSource(
                url(environment),
                user != null ? user : environment.get(USER_ENV),
                password != null ? password : environment.get(PASSWORD_ENV));
    }
}
