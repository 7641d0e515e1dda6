-- Every order gets an integer key, and the tables beside `orders` (items,
-- search terms, events) refer to it instead of the order's text id.
--
-- Why: a sync's writer spends its time finding places in B-trees. The text
-- id ("damaijia:taoyitao:4879354354794069374", 37 bytes) was repeated in
-- every item, term and event row and in their indexes, and an order's items
-- and events landed wherever its id sorted. Keyed by an integer that grows
-- with each new order, items and events are appended at the end of their
-- tables, terms carry a few bytes instead of the id, and an item's foreign
-- key is checked on the orders table itself. `UNIQUE (platform, shop,
-- order_number)` goes: the id is made of those three and is unique. So does
-- `orders_number`: an order number is one of its order's search terms, and
-- the API's number filter is read through them (sql/query.rs).
--
-- `key` is an INTEGER PRIMARY KEY, the rowid itself: VACUUM may renumber an
-- ordinary rowid, never this one. Existing orders keep their rowids as keys.
--
-- SQLite cannot change a table's key, so the four tables are rebuilt, in one
-- transaction. The old items go before the old orders: with foreign keys on,
-- dropping a table that another still refers to deletes its rows first (and
-- would cascade to the items).

CREATE TABLE orders_keyed (
    key                 INTEGER PRIMARY KEY,
    id                  TEXT NOT NULL UNIQUE,      -- "<platform>:<shop>:<order_number>"
    platform            TEXT NOT NULL,
    shop                TEXT NOT NULL,
    order_number        TEXT NOT NULL,
    status              TEXT NOT NULL,
    payment_status      TEXT NOT NULL,
    fulfillment_status  TEXT NOT NULL,
    refund_status       TEXT NOT NULL,
    currency            TEXT,
    total               TEXT NOT NULL,
    created_ms          INTEGER,
    updated_ms          INTEGER,
    document            TEXT NOT NULL,             -- the canonical order as JSON (or packed: crate::documents)
    first_seen_ms       INTEGER NOT NULL,
    last_changed_ms     INTEGER NOT NULL
);
INSERT INTO orders_keyed (key, id, platform, shop, order_number, status, payment_status, fulfillment_status,
    refund_status, currency, total, created_ms, updated_ms, document, first_seen_ms, last_changed_ms)
SELECT rowid, id, platform, shop, order_number, status, payment_status, fulfillment_status,
    refund_status, currency, total, created_ms, updated_ms, document, first_seen_ms, last_changed_ms
FROM orders ORDER BY rowid;

-- WITHOUT ROWID: the primary key is the table, one B-tree instead of two.
CREATE TABLE order_items_keyed (
    order_key   INTEGER NOT NULL REFERENCES orders_keyed (key) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    line_id     TEXT NOT NULL,
    sku         TEXT,
    product_id  TEXT,
    sku_id      TEXT,
    title       TEXT,
    quantity    INTEGER NOT NULL,
    unit_price  TEXT NOT NULL,
    total       TEXT NOT NULL,
    PRIMARY KEY (order_key, line_id)
) WITHOUT ROWID;
INSERT INTO order_items_keyed (order_key, line_id, sku, product_id, sku_id, title, quantity, unit_price, total)
SELECT o.key, i.line_id, i.sku, i.product_id, i.sku_id, i.title, i.quantity, i.unit_price, i.total
FROM order_items i JOIN orders_keyed o ON o.id = i.order_id;

CREATE TABLE order_terms_keyed (
    term       TEXT NOT NULL,
    order_key  INTEGER NOT NULL,
    PRIMARY KEY (term, order_key)
) WITHOUT ROWID;
INSERT INTO order_terms_keyed (term, order_key)
SELECT t.term, o.key FROM order_terms t JOIN orders_keyed o ON o.id = t.order_id ORDER BY 1, 2;

-- Events keep their sequence numbers: the change feed and webhooks count on them.
CREATE TABLE order_events_keyed (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_key    INTEGER NOT NULL,
    kind         TEXT NOT NULL,                    -- created | changed
    changes      TEXT NOT NULL,                    -- JSON array of {field, from, to}
    recorded_ms  INTEGER NOT NULL
);
INSERT INTO order_events_keyed (seq, order_key, kind, changes, recorded_ms)
SELECT e.seq, o.key, e.kind, e.changes, e.recorded_ms
FROM order_events e JOIN orders_keyed o ON o.id = e.order_id ORDER BY e.seq;
-- The next number carries on from the old table's counter (AUTOINCREMENT's
-- row in sqlite_sequence, which goes with the old table and is renamed with
-- the new one), so that no number is handed out twice.
DELETE FROM sqlite_sequence WHERE name = 'order_events_keyed';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'order_events_keyed', MAX(seq) FROM (
    SELECT seq FROM sqlite_sequence WHERE name = 'order_events'
    UNION ALL SELECT MAX(seq) FROM order_events_keyed
) HAVING MAX(seq) IS NOT NULL;

DROP TABLE order_items;
DROP TABLE order_terms;
DROP TABLE order_events;
DROP TABLE orders;
-- Renaming a table renames it in the foreign keys that refer to it, too.
ALTER TABLE orders_keyed RENAME TO orders;
ALTER TABLE order_items_keyed RENAME TO order_items;
ALTER TABLE order_terms_keyed RENAME TO order_terms;
ALTER TABLE order_events_keyed RENAME TO order_events;

CREATE INDEX orders_shop_created ON orders (shop, created_ms);
CREATE INDEX orders_status ON orders (status, created_ms);
CREATE INDEX orders_created_id ON orders (created_ms, id);
CREATE INDEX orders_updated_id ON orders (updated_ms, id);
CREATE INDEX orders_shop_status_created ON orders (shop, status, created_ms, id);
CREATE INDEX orders_platform_created ON orders (platform, created_ms, id);
-- What `orders_id_times` was: the sort keys of orders found by search terms
-- or SKU, read without their rows. Ordered by key, it is appended to.
CREATE INDEX orders_key_times ON orders (key, created_ms, updated_ms, id);
CREATE INDEX order_items_sku_order ON order_items (sku, order_key);
CREATE INDEX order_events_order ON order_events (order_key, seq);
