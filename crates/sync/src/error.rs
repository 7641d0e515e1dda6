//! The sync engine's error type.

use orderhub_connectors::ConnectorError;
use orderhub_store::StoreError;

/// Why a shop's sync (or fetch, or ship) stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The platform could not be read; the store holds everything committed before.
    #[error("shop {shop:?}: {source}")]
    Platform { shop: String, source: ConnectorError },
    /// The store failed.
    #[error("shop {shop:?}: {source}")]
    Store { shop: String, source: StoreError },
    /// The platform has no such capability.
    #[error("shop {shop:?}: {reason}")]
    Unsupported { shop: String, reason: String },
    /// Another worker on the same database holds the shop's lease: it is
    /// syncing the shop now (several `orderhub serve` on one PostgreSQL).
    #[error("shop {shop:?} is being synced by another worker ({holder}); it is not synced twice at once")]
    Elsewhere { shop: String, holder: String },
    /// The process is shutting down (SIGTERM, Ctrl-C): the run stopped
    /// between pages, everything committed before stays, and the next run
    /// (here or on another worker) goes on from the stored cursor.
    #[error("shop {shop:?}: stopped because orderhub is shutting down; the next run goes on from the stored cursor")]
    Stopped { shop: String },
}

impl SyncError {
    /// The connector error behind this, if any.
    pub fn connector_error(&self) -> Option<&ConnectorError> {
        match self {
            SyncError::Platform { source, .. } => Some(source),
            _ => None,
        }
    }
}
