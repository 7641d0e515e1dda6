-- Covering indexes for searches that match many orders (a popular SKU, a
-- common name): the page's sort keys are read from these small indexes, not
-- from the orders' rows, which hold kilobytes of document each.
CREATE INDEX orders_id_times ON orders (id, created_ms, updated_ms);
CREATE INDEX order_items_sku_order ON order_items (sku, order_id);
DROP INDEX order_items_sku;
