package example.orders;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The service's connection pools, from the URLs tandem's CLI takes as well: {@code
 * postgres://user:pass@host:port/db} or {@code jdbc:postgresql://host:port/db} (with {@code
 * TANDEM_USER} and {@code TANDEM_PASSWORD}).
 */
final class Database {
    private Database() {}

    static HikariDataSource pool(String name, String url, String user, String password, int size) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setMaximumPoolSize(size);
        if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
            URI uri = URI.create(url);
            config.setJdbcUrl("jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                    + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
            String info = uri.getRawUserInfo();
            if (info != null) {
                int colon = info.indexOf(':');
                user = decode(colon < 0 ? info : info.substring(0, colon));
                password = colon < 0 ? password : decode(info.substring(colon + 1));
            }
        } else if (url.startsWith("jdbc:postgresql:")) {
            config.setJdbcUrl(url);
        } else {
            throw new IllegalArgumentException(
                    name + ": expected postgres://user:pass@host:port/db or jdbc:postgresql://host:port/db, got " + url);
        }
        config.setUsername(user);
        config.setPassword(password);
        return new HikariDataSource(config);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
