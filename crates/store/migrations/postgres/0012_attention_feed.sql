-- The attention list in the change feed: an item's opening and closing are
-- events numbered from the order events' sequence, so the feed stays one
-- sequence a reader resumes with `after=seq` (they are written under the
-- store's write lock, as order events are, so numbers are commit order).
-- Each keeps the item as it was then (JSON), as an order event keeps what
-- changed.
CREATE TABLE attention_events (
    seq          BIGINT PRIMARY KEY,
    item_id      BIGINT NOT NULL,
    kind         TEXT NOT NULL,                    -- attention.opened | attention.closed
    item         TEXT NOT NULL,
    recorded_ms  BIGINT NOT NULL
);

-- The platform of the item's shop, for the feed's `platform` and a sink's
-- `{platform}` subject.
ALTER TABLE attention ADD COLUMN platform TEXT;

-- When the item reached its severity (its opening, or the moment a
-- deadline passed): an alert's digest window counts from it.
ALTER TABLE attention ADD COLUMN raised_ms BIGINT;

-- The severity an alert told of: an item that turns critical after a
-- warning was sent is sent again, once.
ALTER TABLE alert_sent ADD COLUMN severity TEXT NOT NULL DEFAULT 'warning';
