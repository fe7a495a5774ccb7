package example.orders;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.client.MigrationHandle;
import dev.tandem.client.Tandem;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;

/**
 * A small service that keeps working through two tandem migrations, with tandem-client:
 *
 * <ul>
 *   <li>{@code 0001_split_customer_name} (in-store): the customers table changes shape; connections come
 *       from the migration's shape-selecting DataSource ({@link Customers}).
 *   <li>{@code 0002_move_orders} (a move): the orders move to the billing database; reads and writes are
 *       routed by the client ({@link Orders}).
 * </ul>
 *
 * <p>It serves HTTP on {@code PORT} (default 8080) and, unless {@code TRAFFIC=0}, drives itself with that
 * many requests a second (default 50), printing what it saw every two seconds, so that a {@code tandem
 * flag}, {@code cutover} or {@code revert} run meanwhile shows in its output.
 *
 * <p>Environment: {@code TANDEM_URL} (this service's database, where tandem keeps its state), {@code
 * TANDEM_USER}, {@code TANDEM_PASSWORD}, {@code TANDEM_STORE_BILLING_URL} (the billing database), the
 * same variables tandem's CLI reads.
 */
public final class OrdersService {
    static final String SPLIT = "0001_split_customer_name";
    static final String MOVE = "0002_move_orders";
    /** The schema of views that presents the new shape of {@link #SPLIT}: its schema, an underscore, its id. */
    static final String SPLIT_VERSION_SCHEMA = "public_" + SPLIT;

    private OrdersService() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        String user = env.getOrDefault("TANDEM_USER", "postgres");
        String password = env.get("TANDEM_PASSWORD");
        HikariDataSource orders = Database.pool("orders", require(env, "TANDEM_URL"), user, password, 10);
        HikariDataSource billing =
                Database.pool("billing", require(env, "TANDEM_STORE_BILLING_URL"), user, password, 10);
        Tandem tandem = Tandem.connect()
                .service("orders")
                .dataSource(orders)
                .store("billing", billing)
                .build();
        MigrationHandle split = tandem.migration(SPLIT);
        MigrationHandle move = tandem.migration(MOVE);
        tandem.addListener(id -> System.out.println("[tandem] " + tandem.migration(id) + ": "
                + tandem.migration(id).stage().wireName() + ", reads new " + tandem.migration(id).readsNewPercent()
                + "%, writes " + tandem.migration(id).writeSide()));
        Customers customers = new Customers(split, SPLIT_VERSION_SCHEMA);
        Orders ordersTable = new Orders(move);

        int port = Integer.parseInt(env.getOrDefault("PORT", "8080"));
        HttpServer http = HttpServer.create(new InetSocketAddress(port), 0);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/customers/", ex -> handle(ex, () -> customers(ex, customers)));
        http.createContext("/orders/", ex -> handle(ex, () -> orders(ex, ordersTable)));
        http.createContext("/tandem", ex -> handle(ex, () -> 200 + " " + split + "\n" + move + "\n"));
        http.start();

        int rate = Integer.parseInt(env.getOrDefault("TRAFFIC", "50"));
        Traffic traffic = rate > 0 ? Traffic.start(rate, customers, ordersTable, split, move) : null;
        System.out.println("orders-service on http://localhost:" + port + " (" + split + ", " + move + ")");

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (traffic != null) {
                traffic.close();
            }
            http.stop(1);
            tandem.close();
            orders.close();
            billing.close();
        }));
        Thread.currentThread().join();
    }

    /** What a request asks for, as a status code, a space, and the body. */
    private interface Handler {
        String respond() throws Exception;
    }

    private static void handle(HttpExchange ex, Handler handler) throws IOException {
        String response;
        try {
            response = handler.respond();
        } catch (NumberFormatException e) {
            response = "400 " + e.getMessage() + "\n";
        } catch (Exception e) {
            response = "500 " + e + "\n";
        }
        int space = response.indexOf(' ');
        byte[] body = response.substring(space + 1).getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(Integer.parseInt(response.substring(0, space)), body.length);
        try (var out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** {@code GET /customers/{id}}, {@code POST /customers/{id}/email?value=...}. */
    private static String customers(HttpExchange ex, Customers customers) throws Exception {
        String[] path = ex.getRequestURI().getPath().split("/");
        long id = Long.parseLong(path[2]);
        if (ex.getRequestMethod().equals("POST") && path.length == 4 && path[3].equals("email")) {
            String value = query(ex, "value");
            return 200 + " written through the " + customers.changeEmail(id, value) + " shape\n";
        }
        Customers.Customer c = customers.find(id);
        return c == null ? "404 no customer " + id + "\n" : 200 + " " + c + "\n";
    }

    /** {@code GET /orders/{id}}, {@code POST /orders/{id}/pay?cents=N}; the X-Request-Id header is the correlation id. */
    private static String orders(HttpExchange ex, Orders orders) throws Exception {
        String[] path = ex.getRequestURI().getPath().split("/");
        long id = Long.parseLong(path[2]);
        String requestId = Objects.requireNonNullElseGet(
                ex.getRequestHeaders().getFirst("X-Request-Id"),
                () -> UUID.randomUUID().toString());
        if (ex.getRequestMethod().equals("POST") && path.length == 4 && path[3].equals("pay")) {
            long cents = Long.parseLong(query(ex, "cents"));
            return orders.pay(id, cents, requestId) ? 200 + " paid\n" : "404 no order " + id + "\n";
        }
        Orders.Order o = orders.find(id, requestId);
        return o == null ? "404 no order " + id + "\n" : 200 + " " + o + "\n";
    }

    private static String query(HttpExchange ex, String name) {
        String q = Objects.requireNonNullElse(ex.getRequestURI().getQuery(), "");
        for (String pair : q.split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        throw new NumberFormatException("missing query parameter " + name);
    }

    private static String require(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            System.err.println("Set " + name + " (see README.md)");
            System.exit(2);
        }
        return value;
    }

}
