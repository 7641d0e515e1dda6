-- How far a running run has come (JSON: orders read and expected, spans
-- done and planned, seconds left), written as its lease is renewed, so
-- that `orderhub runs` shows it from another process.
ALTER TABLE sync_runs ADD COLUMN progress TEXT;
