//! The orderhub HTTP API: every order of every shop, one JSON shape.
//!
//! Layout: [`routes`] holds the router and one file per group of routes
//! (`orders`, `feed`, `writeback`, `shops`, `meta`); [`auth`] checks API keys
//! and masks what a key without the `pii` scope may not see; [`cursor`] makes
//! the opaque page cursors; [`error`] is the one error type, mapped once to
//! HTTP answers.
//!
//! Routes (JSON; orders in the canonical shape of `DESIGN.md`). Every `/api`
//! route needs a key (`Authorization: Bearer KEY`): `read` for GETs, `write`
//! for POSTs, `admin` for keys and webhooks.
//! - `GET /api/v1/orders` filters, `q` search, sort, cursor paging
//! - `GET /api/v1/orders/{id}`, `/events` (timeline), `/writebacks`
//! - `POST /api/v1/orders/{id}/shipments`, `/status`, `/address` (outbox;
//!   `Idempotency-Key`), `GET /api/v1/outbox/{job}`
//! - `GET /api/v1/events?after=&wait=` the change feed, long-polled
//! - `GET /api/v1/platforms` (the connectors' registry)
//! - `GET /api/v1/shops`, `POST /api/v1/shops/{key}/sync`, `/fetch`,
//!   `GET /api/v1/sync/runs`, `GET /api/v1/stats`
//! - `GET /api/v1/keys`, `GET /api/v1/webhooks`, `GET /api/v1/sinks` (admin)
//! - `GET /healthz`, `GET /metrics` (Prometheus), `GET /openapi.json`
//! - `/ui/...` the dashboard (`dashboard/`: HTML, CSS and JS embedded), `/` redirects there
//!
//! Every error is `{"error": {"code": "...", "message": "..."}}`.
//! What it must not do: talk to platforms (the hub does) or write SQL (the store does).

pub mod auth;
mod cursor;
mod dashboard;
mod error;
pub mod openapi;
mod routes;

pub use error::ApiError;
pub use routes::router;

use orderhub_sync::Hub;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

/// The largest request body the API takes, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub hub: Arc<Hub>,
    pub metrics: Arc<Metrics>,
    /// Names of the configured webhooks.
    pub webhooks: Arc<Vec<String>>,
    /// Names of the configured broker sinks.
    pub sinks: Arc<Vec<String>>,
}

impl AppState {
    pub fn new(hub: Arc<Hub>, webhooks: Vec<String>) -> AppState {
        AppState { hub, metrics: Arc::default(), webhooks: Arc::new(webhooks), sinks: Arc::default() }
    }

    /// The same, with the configured broker sinks' names.
    pub fn with_sinks(self, sinks: Vec<String>) -> AppState {
        AppState { sinks: Arc::new(sinks), ..self }
    }
}

/// Requests answered, by (method, route, status).
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
}

impl Metrics {
    fn count(&self, method: String, route: String, status: u16) {
        *self.requests.lock().expect("metrics lock").entry((method, route, status)).or_default() += 1;
    }

    fn snapshot(&self) -> Vec<((String, String, u16), u64)> {
        self.requests.lock().expect("metrics lock").iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

/// Serves the API on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}
