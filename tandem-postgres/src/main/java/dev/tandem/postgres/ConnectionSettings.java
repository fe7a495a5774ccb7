package dev.tandem.postgres;

import dev.tandem.core.ErrorCode;
import dev.tandem.core.TandemException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Turns a connection string into a {@link DataSource}. Accepts {@code jdbc:postgresql://...} and
 * {@code postgres://user:pass@host:port/db} (also {@code postgresql://}). An explicit user or password
 * overrides one in the URL.
 */
public final class ConnectionSettings {
    private ConnectionSettings() {}

    public static DataSource dataSource(String url, String user, String password) {
        if (url == null || url.isBlank()) {
            throw new TandemException(ErrorCode.USAGE, "no database URL: pass --url or set TANDEM_URL");
        }
        String jdbcUrl;
        String urlUser = null;
        String urlPassword = null;
        if (url.startsWith("jdbc:postgresql:")) {
            jdbcUrl = url;
        } else if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
            try {
                URI uri = new URI(url);
                if (uri.getHost() == null) {
                    throw new TandemException(ErrorCode.USAGE, "database URL has no host: " + redact(url));
                }
                String userInfo = uri.getRawUserInfo();
                if (userInfo != null) {
                    int colon = userInfo.indexOf(':');
                    urlUser = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
                    urlPassword = colon < 0 ? null : decode(userInfo.substring(colon + 1));
                }
                String port = uri.getPort() > 0 ? ":" + uri.getPort() : "";
                String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
                String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
                jdbcUrl = "jdbc:postgresql://" + uri.getHost() + port + path + query;
            } catch (URISyntaxException e) {
                throw new TandemException(
                        ErrorCode.USAGE, "database URL is malformed at index " + e.getIndex() + ": " + redact(url));
            }
        } else {
            throw new TandemException(
                    ErrorCode.USAGE,
                    "database URL must start with jdbc:postgresql:// or postgres://, got: " + redact(url));
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(jdbcUrl);
        String u = user != null ? user : urlUser;
        String p = password != null ? password : urlPassword;
        if (u != null) {
            ds.setUser(u);
        }
        if (p != null) {
            ds.setPassword(p);
        }
        ds.setApplicationName("tandem");
        return ds;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The URL with any password replaced, fit for an error message. */
    static String redact(String url) {
        return url.replaceAll("://([^:/@]+):[^@]*@", "://$1:***@");
    }
}
