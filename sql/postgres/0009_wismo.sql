-- deskd schema 9 (PostgreSQL): what inbound messages tell about their customer and
-- ticket (orders/classify.h): the language the customer writes in, and the
-- order a ticket is about.
ALTER TABLE customers ADD COLUMN language TEXT;
ALTER TABLE tickets ADD COLUMN order_id BIGINT REFERENCES orders (id);
