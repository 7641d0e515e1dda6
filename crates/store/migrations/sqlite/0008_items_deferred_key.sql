-- order_items' foreign key is checked at commit instead of after each
-- statement. Why: a multi-row insert whose foreign key is checked at once
-- may fail half-way, so SQLite first copies every page it will change into
-- a statement journal (to undo that statement alone); with the check
-- deferred, and the inserts written `INSERT OR FAIL` (sql/mod.rs), no
-- statement of a sync's write needs one. The key itself is unchanged: an
-- item without its order still fails, at commit, and the transaction with it.
-- SQLite cannot alter a constraint, so the table is rebuilt.
CREATE TABLE order_items_rebuilt (
    order_id    TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    line_id     TEXT NOT NULL,
    sku         TEXT,
    product_id  TEXT,
    sku_id      TEXT,
    title       TEXT,
    quantity    INTEGER NOT NULL,
    unit_price  TEXT NOT NULL,
    total       TEXT NOT NULL,
    PRIMARY KEY (order_id, line_id)
);
INSERT INTO order_items_rebuilt (order_id, line_id, sku, product_id, sku_id, title, quantity, unit_price, total)
SELECT order_id, line_id, sku, product_id, sku_id, title, quantity, unit_price, total FROM order_items;
DROP TABLE order_items;
ALTER TABLE order_items_rebuilt RENAME TO order_items;
CREATE INDEX order_items_sku_order ON order_items (sku, order_id);
