-- deskd schema 8 (SQLite): a store's orders, their items and shipments, the
-- carrier's scans of each shipment, and the webhook deliveries already taken
-- (docs/ARCHITECTURE.md, "Orders and WISMO"). `state` is deskd's own
-- (orders/order.h); the platform's words are kept beside it. Events about an
-- order carry its id, so an order's events are its timeline.
CREATE TABLE orders (
	id INTEGER PRIMARY KEY,
	store_id INTEGER NOT NULL REFERENCES stores (id),
	external_id TEXT NOT NULL,
	number TEXT NOT NULL,
	customer_id INTEGER REFERENCES customers (id),
	email TEXT,
	phone TEXT,
	customer_external_id TEXT,
	customer_name TEXT,
	currency TEXT NOT NULL,
	total_minor INTEGER NOT NULL,
	refunded_minor INTEGER NOT NULL DEFAULT 0,
	financial_status TEXT,
	fulfillment_status TEXT,
	state TEXT NOT NULL,
	placed_at INTEGER NOT NULL,
	platform_updated_at INTEGER NOT NULL,
	cancelled_at INTEGER,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (store_id, external_id)
);
CREATE INDEX orders_customer ON orders (customer_id, placed_at);
CREATE INDEX orders_number ON orders (store_id, number);
CREATE TABLE order_items (
	id INTEGER PRIMARY KEY,
	order_id INTEGER NOT NULL REFERENCES orders (id),
	position INTEGER NOT NULL,
	external_id TEXT,
	sku TEXT,
	name TEXT,
	variant TEXT,
	quantity INTEGER NOT NULL,
	price_minor INTEGER NOT NULL
);
CREATE INDEX order_items_order ON order_items (order_id, position);
CREATE TABLE shipments (
	id INTEGER PRIMARY KEY,
	order_id INTEGER NOT NULL REFERENCES orders (id),
	external_id TEXT NOT NULL,
	carrier TEXT,
	tracking_number TEXT,
	tracking_url TEXT,
	platform_status TEXT,
	state TEXT NOT NULL,
	eta INTEGER,
	shipped_at INTEGER,
	delivered_at INTEGER,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (order_id, external_id)
);
CREATE TABLE shipment_scans (
	id INTEGER PRIMARY KEY,
	shipment_id INTEGER NOT NULL REFERENCES shipments (id),
	status TEXT NOT NULL,
	location TEXT,
	description TEXT,
	at INTEGER NOT NULL,
	UNIQUE (shipment_id, at, status)
);
CREATE TABLE webhook_receipts (
	store_id INTEGER NOT NULL REFERENCES stores (id),
	delivery_id TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	PRIMARY KEY (store_id, delivery_id)
);
ALTER TABLE events ADD COLUMN order_id INTEGER;
CREATE INDEX events_order ON events (order_id, id);
