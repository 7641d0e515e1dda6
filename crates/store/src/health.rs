//! Whether the store's writes succeed: what `/healthz` reports.
//!
//! A store whose disk filled up still answers reads, so a health check that
//! only reads says "ok" while every sync fails. Every write the store makes
//! notes its outcome here; a failure of the database itself (a full disk,
//! an I/O error, a file made read-only, a connection lost) marks the store
//! failing until a write succeeds again. Errors of the data (a constraint)
//! say nothing about the store's health and are not noted.

use crate::StoreError;
use jiff::Timestamp;
use std::sync::Mutex;
use std::time::Instant;

/// What the store's writes have done lately: [`crate::Store::write_health`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteHealth {
    /// When the writes began failing, and the latest failure; `None` while
    /// they succeed.
    pub failing: Option<WriteFailure>,
    /// How long ago a write last succeeded (`None`: none since the store opened).
    pub last_success_ago: Option<std::time::Duration>,
}

/// Writes that fail: since when, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteFailure {
    pub since: Timestamp,
    pub error: String,
}

/// The store's record of its writes' outcomes.
#[derive(Debug, Default)]
pub(crate) struct HealthRecord {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    failing: Option<WriteFailure>,
    last_success: Option<Instant>,
}

impl HealthRecord {
    /// Notes the outcome of a write.
    pub(crate) fn note<T>(&self, result: &Result<T, StoreError>) {
        match result {
            Ok(_) => self.succeeded(),
            Err(error) if error.is_unavailable() => self.failed(error),
            Err(_) => {}
        }
    }

    pub(crate) fn succeeded(&self) {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(failure) = state.failing.take() {
            tracing::info!(since = %failure.since, "the store's writes succeed again");
        }
        state.last_success = Some(Instant::now());
    }

    fn failed(&self, error: &StoreError) {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match &mut state.failing {
            Some(failure) => failure.error = error.to_string(),
            None => {
                tracing::error!(%error, "the store's writes fail; they are retried as the work comes");
                state.failing = Some(WriteFailure { since: Timestamp::now(), error: error.to_string() });
            }
        }
    }

    pub(crate) fn report(&self) -> WriteHealth {
        let state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        WriteHealth { failing: state.failing.clone(), last_success_ago: state.last_success.map(|t| t.elapsed()) }
    }
}
