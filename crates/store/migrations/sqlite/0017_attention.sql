-- What needs a person: one item per cause (a paused shop, a refused
-- write-back, an order that could not be read, ...), however often the
-- cause is seen. An item is open until its cause clears (cleared_ms) or a
-- person dismisses it (dismissed_ms, with who and a note); a cause that
-- comes back after it cleared is a new item.
CREATE TABLE attention (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    cause         TEXT NOT NULL,                  -- "<kind>:<shop>[:<what>]", stable for one cause
    kind          TEXT NOT NULL,
    severity      TEXT NOT NULL,                  -- critical | warning
    shop          TEXT,
    order_id      TEXT,
    reason        TEXT NOT NULL,
    action        TEXT NOT NULL,
    opened_ms     INTEGER NOT NULL,
    cleared_ms    INTEGER,
    dismissed_ms  INTEGER,
    dismissed_by  TEXT,
    note          TEXT
);
-- One live item per cause: two workers finding a cause at once open it once.
CREATE UNIQUE INDEX attention_live_cause ON attention (cause) WHERE cleared_ms IS NULL;
CREATE INDEX attention_kind ON attention (kind, id);

-- Which items each configured alert (a team chat robot, a URL) was sent:
-- one alert per item, whichever worker sends it.
CREATE TABLE alert_sent (
    alert    TEXT NOT NULL,
    item_id  INTEGER NOT NULL,
    sent_ms  INTEGER NOT NULL,
    PRIMARY KEY (alert, item_id)
);

-- When an order awaiting shipment must ship by (the canonical `ship_by`):
-- the attention list's deadlines and the API's `ship_by_before` read it.
ALTER TABLE orders ADD COLUMN ship_by_ms INTEGER;
CREATE INDEX orders_ship_by ON orders (ship_by_ms) WHERE ship_by_ms IS NOT NULL;
