-- orderhub store, SQLite. Money is TEXT (exact decimal strings), times are
-- INTEGER unix milliseconds (UTC), ids are TEXT.

CREATE TABLE orders (
    id                  TEXT PRIMARY KEY,          -- "<platform>:<shop>:<order_number>"
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
    document            TEXT NOT NULL,             -- the canonical order as JSON, raw payload included
    first_seen_ms       INTEGER NOT NULL,
    last_changed_ms     INTEGER NOT NULL,
    UNIQUE (platform, shop, order_number)
);
CREATE INDEX orders_shop_created ON orders (shop, created_ms);
CREATE INDEX orders_updated ON orders (updated_ms);
CREATE INDEX orders_status ON orders (status, created_ms);
CREATE INDEX orders_number ON orders (order_number);

CREATE TABLE order_items (
    order_id    TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
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
CREATE INDEX order_items_sku ON order_items (sku);

-- One row when an order first appears and one per change; seq is the commit order.
CREATE TABLE order_events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id     TEXT NOT NULL,
    kind         TEXT NOT NULL,                    -- created | changed
    changes      TEXT NOT NULL,                    -- JSON array of {field, from, to}
    recorded_ms  INTEGER NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, seq);

-- Where each stream of each shop has got to, written in the transaction of the
-- orders it covers.
CREATE TABLE sync_cursors (
    shop        TEXT NOT NULL,
    stream      TEXT NOT NULL,
    cursor      TEXT NOT NULL,
    updated_ms  INTEGER NOT NULL,
    PRIMARY KEY (shop, stream)
);

-- Orders the platform sent that could not be normalised, kept to be looked at.
CREATE TABLE bad_orders (
    shop          TEXT NOT NULL,
    order_number  TEXT NOT NULL,                   -- "" when unreadable
    error         TEXT NOT NULL,
    raw           TEXT NOT NULL,
    recorded_ms   INTEGER NOT NULL,
    PRIMARY KEY (shop, order_number)
);

CREATE TABLE sync_runs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    shop              TEXT NOT NULL,
    started_ms        INTEGER NOT NULL,
    ended_ms          INTEGER,
    outcome           TEXT NOT NULL,               -- running | ok | failed
    pages             INTEGER NOT NULL DEFAULT 0,
    api_calls         INTEGER NOT NULL DEFAULT 0,
    orders_new        INTEGER NOT NULL DEFAULT 0,
    orders_changed    INTEGER NOT NULL DEFAULT 0,
    orders_unchanged  INTEGER NOT NULL DEFAULT 0,
    orders_bad        INTEGER NOT NULL DEFAULT 0,
    error             TEXT
);
CREATE INDEX sync_runs_shop ON sync_runs (shop, id);
