//! Order storage: orders with their line items, the order event log, sync
//! cursors, bad payloads and sync-run history.
//!
//! The embedded default is SQLite (a file created on first use, migrations
//! embedded in the binary). All SQL lives in this crate, as plain runtime
//! queries; callers see [`Store`] and plain Rust types.
//!
//! The rules the store keeps:
//! - an order is keyed by (platform, shop, order_number), so writing it twice
//!   stores it once;
//! - an order is never replaced by an older version of itself (by the platform's
//!   `updated_at`);
//! - writing an unchanged order writes no event (a new payload whose canonical
//!   order is the same replaces the stored payload, silently);
//! - a page of orders, its bad payloads and the cursor that covers them are
//!   committed in one transaction: progress is never ahead of the data.
//!
//! What it must not do: talk to platforms or decide what to sync.

mod error;
mod sqlite;

pub use error::StoreError;
pub use sqlite::Store;

use serde::Serialize;

/// An order the platform sent that could not be normalised.
#[derive(Debug, Clone)]
pub struct BadRecord {
    pub order_number: Option<String>,
    pub error: String,
    pub raw: serde_json::Value,
}

/// A sync cursor to commit with a batch.
#[derive(Debug, Clone)]
pub struct CursorUpdate {
    /// The stream's name within the shop (`"created:is_refund=0"`).
    pub stream: String,
    pub cursor: String,
}

/// What writing a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WriteStats {
    /// Orders stored for the first time.
    pub new: u64,
    /// Orders that differed from the stored version.
    pub changed: u64,
    /// Orders whose canonical fields equal the stored version: no event (a
    /// payload that differs only in fields the mapping does not read is kept).
    pub unchanged: u64,
    /// Orders older than the stored version (by platform update time): ignored.
    pub stale: u64,
    /// Payloads that could not be normalised, recorded in `bad_orders`.
    pub bad: u64,
}

impl std::ops::AddAssign for WriteStats {
    fn add_assign(&mut self, other: Self) {
        self.new += other.new;
        self.changed += other.changed;
        self.unchanged += other.unchanged;
        self.stale += other.stale;
        self.bad += other.bad;
    }
}

/// Which orders to read. Every field narrows; `None` does not.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub platform: Option<String>,
    pub shop: Option<String>,
    /// A canonical order status word.
    pub status: Option<String>,
    /// The platform's order number.
    pub order_number: Option<String>,
    /// At most this many orders, newest (by creation) first.
    pub limit: Option<i64>,
}

/// One entry of an order's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct StoredEvent {
    /// Commit order across the whole store.
    pub seq: i64,
    pub order_id: String,
    /// `created` or `changed`.
    pub kind: String,
    pub changes: Vec<orderhub_model::Change>,
    pub recorded_at: jiff::Timestamp,
}

/// One sync run of one shop.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncRun {
    pub id: i64,
    pub shop: String,
    pub started_at: Option<jiff::Timestamp>,
    pub ended_at: Option<jiff::Timestamp>,
    /// `running`, `ok` or `failed`.
    pub outcome: String,
    pub pages: u64,
    pub api_calls: u64,
    pub orders: WriteStats,
    pub error: Option<String>,
}

/// Orders per shop and status, for summaries.
#[derive(Debug, Clone, Serialize)]
pub struct StatusCount {
    pub shop: String,
    pub status: String,
    pub count: i64,
}
