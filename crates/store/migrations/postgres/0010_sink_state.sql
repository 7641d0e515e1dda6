-- How far each configured broker sink (NATS JetStream, RabbitMQ) has
-- published the change feed: the same figures as a webhook's.
CREATE TABLE sink_state (
    name             TEXT PRIMARY KEY,
    delivered_seq    BIGINT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    last_error       TEXT,
    last_attempt_ms  BIGINT,
    delivered_total  BIGINT NOT NULL DEFAULT 0
);
