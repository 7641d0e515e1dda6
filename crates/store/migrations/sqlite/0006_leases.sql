-- Work shared between several `orderhub serve` processes on one database: a
-- lease says which worker does a piece of work (`shop:<key>` for a shop's
-- syncs, `webhook:<name>` for a webhook's deliveries) until when. A worker
-- renews its leases while it works; a dead worker's lapse and are taken over.
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_ms  INTEGER NOT NULL
);
