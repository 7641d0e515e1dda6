-- The runs still running, found without reading the whole history: every
-- run's start closes those whose lease lapsed (`close_interrupted_runs`),
-- and the history grows by a row a run.
CREATE INDEX sync_runs_running ON sync_runs (id) WHERE outcome = 'running';
