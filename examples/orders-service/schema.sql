-- The service's own database (TANDEM_URL): the table 0001_split_customer_name changes in place, and
-- the orders 0002_move_orders moves to the billing database.
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text);
INSERT INTO customers (name, email)
  SELECT (ARRAY['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara'])[1 + g % 5] || ' ' || (ARRAY['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov'])[1 + g % 5],
         'customer' || g || '@example.com'
  FROM generate_series(1, 1000) g;

CREATE SCHEMA sales;
CREATE TABLE sales.orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric(12, 2) NOT NULL DEFAULT 0);
INSERT INTO sales.orders SELECT g, 1 + g % 1000, 10 FROM generate_series(1, 1000) g;
