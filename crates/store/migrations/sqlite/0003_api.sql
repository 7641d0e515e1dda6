-- What the API needs: search terms, keyset indexes, the write-back outbox,
-- API keys and webhook delivery state.

-- Sort times are never NULL, so that keyset paging can compare row values:
-- 0 stands for "the platform gave none".
UPDATE orders SET created_ms = 0 WHERE created_ms IS NULL;
UPDATE orders SET updated_ms = 0 WHERE updated_ms IS NULL;

-- Words an order is found by with `q`: order number, platform id, buyer name,
-- phone and email, receiver name and phone, tracking numbers; lower-cased.
-- `q` matches the start of a term, through the primary key.
-- No foreign key and no index by order: the writer deletes an order's old
-- terms by their key (it knows them from the stored order), and orders are
-- never deleted; each would cost every write a lookup.
CREATE TABLE order_terms (
    term      TEXT NOT NULL,
    order_id  TEXT NOT NULL,
    PRIMARY KEY (term, order_id)
) WITHOUT ROWID;

INSERT OR IGNORE INTO order_terms (term, order_id)
SELECT lower(trim(t.value)), t.id FROM (
    SELECT id, order_number AS value FROM orders
    UNION ALL SELECT id, json_extract(document, '$.platform_order_id') FROM orders
    UNION ALL SELECT id, json_extract(document, '$.customer.name') FROM orders
    UNION ALL SELECT id, json_extract(document, '$.customer.phone') FROM orders
    UNION ALL SELECT id, json_extract(document, '$.customer.email') FROM orders
    UNION ALL SELECT id, json_extract(document, '$.shipping_address.name') FROM orders
    UNION ALL SELECT id, json_extract(document, '$.shipping_address.phone') FROM orders
    UNION ALL SELECT orders.id, json_extract(s.value, '$.tracking_number')
        FROM orders, json_each(orders.document, '$.shipments') AS s
) AS t WHERE t.value IS NOT NULL AND trim(t.value) <> '';

-- Keyset pagination: (sort key, id) in either direction.
-- Every index costs each write; these are the ones the API's queries need.
CREATE INDEX orders_created_id ON orders (created_ms, id);
CREATE INDEX orders_updated_id ON orders (updated_ms, id);
DROP INDEX orders_updated;
CREATE INDEX orders_shop_status_created ON orders (shop, status, created_ms, id);

-- Write-back requests (shipments, status and address changes), stored before
-- they are sent so that none is lost, and none is sent twice.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key  TEXT UNIQUE,
    kind             TEXT NOT NULL,               -- ship | status | address
    order_id         TEXT NOT NULL,
    shop             TEXT NOT NULL,
    request          TEXT NOT NULL,               -- JSON, as the API received it
    state            TEXT NOT NULL,               -- pending | running | done | failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms  INTEGER NOT NULL,
    lease_until_ms   INTEGER,
    outcome          TEXT,                        -- JSON: the platform's answer
    error            TEXT,
    created_ms       INTEGER NOT NULL,
    updated_ms       INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_ms);
CREATE INDEX outbox_order ON outbox (order_id, id);
-- One live shipment per order: a second one is refused until the first failed.
CREATE UNIQUE INDEX outbox_one_shipment ON outbox (order_id) WHERE kind = 'ship' AND state <> 'failed';

-- API keys: only a SHA-256 of each key is kept.
CREATE TABLE api_keys (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,                  -- the key's first characters, to tell keys apart
    hash          TEXT NOT NULL UNIQUE,
    scopes        TEXT NOT NULL,                  -- space-separated: read write admin pii
    created_ms    INTEGER NOT NULL,
    revoked_ms    INTEGER,
    last_used_ms  INTEGER
);

-- How far each configured webhook has been delivered.
CREATE TABLE webhook_state (
    name             TEXT PRIMARY KEY,
    delivered_seq    INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    last_attempt_ms  INTEGER,
    delivered_total  INTEGER NOT NULL DEFAULT 0
);
