-- Shops paused by an error a person has to fix (a refused token, a spent quota).
CREATE TABLE shop_state (
    shop           TEXT PRIMARY KEY,
    paused_reason  TEXT,
    paused_ms      INTEGER
);
