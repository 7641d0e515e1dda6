-- Listings break ties of their sort time by the order's integer key, not its
-- text id (SQLite's migration 0011 says why): the sort indexes carry the key.
DROP INDEX orders_created_id;
DROP INDEX orders_updated_id;
DROP INDEX orders_shop_status_created;
DROP INDEX orders_platform_created;
DROP INDEX orders_key_times;
CREATE INDEX orders_created ON orders (created_ms, key);
CREATE INDEX orders_updated ON orders (updated_ms, key);
CREATE INDEX orders_shop_status_created ON orders (shop, status, created_ms, key);
CREATE INDEX orders_platform_created ON orders (platform, created_ms, key);
CREATE INDEX orders_key_times ON orders (key, created_ms, updated_ms);
