-- The numbers each purchase (an order of a supplier platform) names as the
-- shop order it fulfils (its `fulfils` links), so that a shop order written
-- later finds the purchases that name it (see `sql/links.rs`), and the
-- shop order each resolves to (`linked_id`, its hub id; NULL while no
-- stored order, or more than one, has that number).
CREATE TABLE order_links (
    number     TEXT NOT NULL,
    order_key  INTEGER NOT NULL,
    linked_id  TEXT,
    PRIMARY KEY (number, order_key)
);
CREATE INDEX order_links_order ON order_links (order_key);
CREATE INDEX order_links_linked ON order_links (linked_id) WHERE linked_id IS NOT NULL;
