//! The orderhub HTTP API over the store.
//!
//! Routes (JSON; orders in the canonical shape of `DESIGN.md`):
//! - `GET /healthz`
//! - `GET /api/v1/orders?platform=&shop=&status=&limit=` (newest first, `limit` ≤ 500)
//! - `GET /api/v1/orders/{id}` and `GET /api/v1/orders/{id}/events`
//! - `GET /` a plain page of the newest orders, for a first look in a browser
//!
//! Every error is one JSON shape: `{"error": {"code": "...", "message": "..."}}`.
//! It must not talk to platforms or write SQL: it reads through the store.

mod error;
mod routes;

pub use error::ApiError;
pub use routes::router;

use orderhub_store::Store;
use std::future::Future;
use tokio::net::TcpListener;

/// Serves the API on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    store: Store,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(store)).with_graceful_shutdown(shutdown).await
}
