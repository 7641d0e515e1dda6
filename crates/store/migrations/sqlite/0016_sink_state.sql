-- How far each configured broker sink (NATS JetStream, RabbitMQ) has
-- published the change feed: the same figures as a webhook's.
CREATE TABLE sink_state (
    name             TEXT PRIMARY KEY,
    delivered_seq    INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    last_attempt_ms  INTEGER,
    delivered_total  INTEGER NOT NULL DEFAULT 0
);
