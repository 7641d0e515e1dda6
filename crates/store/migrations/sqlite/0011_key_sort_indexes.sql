-- Listings break ties of their sort time by the order's integer key, not its
-- text id. Every SQLite index already ends in the row's key (the rowid), so
-- an index on (created_ms) is ordered by (created_ms, key) and the id, 37
-- bytes on average, no longer rides in five indexes. Why: a sync inserts
-- into every one of them, and with the id in them they were a third bigger
-- and their comparisons compared text. A Damaijia sync of 100,000 orders
-- into a store of 300,000 took 6.6-6.8 s with them, 5.4-5.8 s with these
-- (docs/benchmarks.md, eleventh session).
DROP INDEX orders_created_id;
DROP INDEX orders_updated_id;
DROP INDEX orders_shop_status_created;
DROP INDEX orders_platform_created;
DROP INDEX orders_key_times;
CREATE INDEX orders_created ON orders (created_ms);
CREATE INDEX orders_updated ON orders (updated_ms);
CREATE INDEX orders_shop_status_created ON orders (shop, status, created_ms);
CREATE INDEX orders_platform_created ON orders (platform, created_ms);
-- The sort times of orders found by SKU or search terms, read without their
-- rows. Ordered by key, it is appended to.
CREATE INDEX orders_key_times ON orders (key, created_ms, updated_ms);
