-- The billing database (TANDEM_STORE_BILLING_URL): where 0002_move_orders moves the orders to.
CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total_cents bigint NOT NULL);
