//! Order storage: orders with their line items, the order event log, sync
//! cursors, bad payloads and sync-run history.
//!
//! The embedded default is SQLite (a file created on first use, migrations
//! embedded in the binary). All SQL lives in this crate, as plain runtime
//! queries; callers see [`Store`] and plain Rust types.
//!
//! The rules the store keeps:
//! - an order is keyed by (platform, shop, order_number), so writing it twice
//!   stores it once; inside the store it also has an integer key, which its
//!   items, search terms and events refer to (smaller, and appended to);
//! - an order is never replaced by an older version of itself (by the platform's
//!   `updated_at`);
//! - writing an unchanged order writes no event (a new payload whose canonical
//!   order is the same replaces the stored payload, silently);
//! - a page of orders, its bad payloads and the cursor that covers them are
//!   committed in one transaction: progress is never ahead of the data.
//!
//! On SQLite a sync's new rows are inserted through SQLite's C API
//! (`sqlite/bulk.rs`: the same statements, without sqlx's copies and round
//! trips), and each order's document is stored packed (zstd, against a
//! dictionary of its platform's own documents: `documents.rs`); every read
//! returns it as the JSON text it was.
//!
//! What it must not do: talk to platforms or decide what to sync.

// `sql/` is compiled twice on purpose, once per database (see `sql/mod.rs`).
#![allow(clippy::duplicate_mod)]

mod attention;
mod backup;
mod copy;
mod documents;
mod error;
mod health;
mod postgres;
mod prepared;
mod sqlite;
mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(test)]
mod tests;
mod write_queue;

pub use attention::{
    AttentionCause, AttentionFilter, AttentionItem, DueShipment, PausedShop, Reconciled, Severity, SyncAge,
    UnreadOrder, UnresolvedLink,
};
pub use backup::{BackupReport, StoreCheck, restore_sqlite};
pub use copy::CopyReport;

/// How long a sync run's lease lasts unless renewed (`Store::start_run`):
/// a run not renewed for this long is taken for killed.
pub const RUN_LEASE_MS: i64 = 15_000;

/// A statement slower than this is logged as a warning. sqlx's own
/// threshold (1 s) is reached in normal work: with several workers on a
/// loaded 2-core machine a page's commit or a lease's renewal waits that
/// long behind the other workers' writes, which already shows in each run's
/// duration. Five seconds is where a statement says something is wrong (a
/// disk, a lock held too long).
pub const SLOW_STATEMENT: std::time::Duration = std::time::Duration::from_secs(5);
pub use error::{StoreError, redact_url};
pub use health::{WriteFailure, WriteHealth};
pub use store::{DatabaseKind, OpenBatch, Prepared, Store};
pub use write_queue::{WriteQueue, WritersWaiting};

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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncRun {
    pub id: i64,
    pub shop: String,
    pub started_at: Option<jiff::Timestamp>,
    pub ended_at: Option<jiff::Timestamp>,
    /// `running`, `ok`, `failed`, or `interrupted` (its process stopped mid-run: `Store::start_run`).
    pub outcome: String,
    pub pages: u64,
    pub api_calls: u64,
    pub orders: WriteStats,
    pub error: Option<String>,
    /// How far the run had come when it last renewed its lease (every 5 s).
    pub progress: Option<RunProgress>,
}

/// How far a running sync run has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunProgress {
    /// Orders read so far.
    pub read: u64,
    /// Orders the platform says there are, where its answers say.
    pub expected: Option<u64>,
    /// Spans of the run's windows read in full (a long window is read in
    /// spans at the same time; a window read whole is one span).
    pub spans_done: u64,
    /// Spans planned so far.
    pub spans: u64,
    /// Seconds left, at the pace so far, where it can be told.
    pub eta_seconds: Option<u64>,
}

/// Orders per shop and status, for summaries.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusCount {
    pub shop: String,
    /// The shop's platform.
    pub platform: String,
    pub status: String,
    pub count: i64,
}

/// How a listing of orders is ordered. Each order has a place given by (sort
/// time, store key), so that a page can start right after the last order of the one
/// before it (keyset paging: no offsets, no skips when orders change).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OrderSort {
    /// Newest created first (the default). Creation times do not change, so
    /// paging this way serves every order exactly once, however orders change.
    #[default]
    CreatedDesc,
    /// Oldest created first; as stable as `CreatedDesc`.
    CreatedAsc,
    /// Least recently updated (by the platform) first. An order that changes
    /// while a client pages moves towards the end: it is never skipped, and it
    /// comes again in its new state only if it was served before it changed.
    UpdatedAsc,
}

impl OrderSort {
    /// The API's name for this order.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderSort::CreatedDesc => "-created",
            OrderSort::CreatedAsc => "created",
            OrderSort::UpdatedAsc => "updated",
        }
    }

    /// The order named `name` (`-created`, `created`, `updated`).
    pub fn parse(name: &str) -> Option<OrderSort> {
        [OrderSort::CreatedDesc, OrderSort::CreatedAsc, OrderSort::UpdatedAsc].into_iter().find(|s| s.as_str() == name)
    }
}

/// An order's place in a sorted listing: its sort time (unix ms; 0 when the
/// platform gave none) and, for orders of the same time, the store's integer
/// key of the order (fixed when the order is first stored, never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub time_ms: i64,
    pub key: i64,
}

/// A query over orders. Every field narrows; `None` does not.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    pub platform: Option<String>,
    /// Orders of any of these platforms (a role's: `role=sale` is the sales
    /// platforms); `Some(vec![])` matches none.
    pub platforms: Option<Vec<String>>,
    pub shop: Option<String>,
    pub status: Option<String>,
    pub payment_status: Option<String>,
    pub fulfillment_status: Option<String>,
    pub refund_status: Option<String>,
    pub order_number: Option<String>,
    /// Created at or after (inclusive).
    pub created_from: Option<jiff::Timestamp>,
    /// Created before (exclusive).
    pub created_to: Option<jiff::Timestamp>,
    /// Updated by the platform at or after (inclusive).
    pub updated_from: Option<jiff::Timestamp>,
    /// Updated by the platform before (exclusive).
    pub updated_to: Option<jiff::Timestamp>,
    /// Awaiting shipment with a deadline (`ship_by`) before this (exclusive).
    pub ship_by_before: Option<jiff::Timestamp>,
    /// Orders tied to another by a resolved link (`Some(true)`: a purchase
    /// that found its shop order, or a shop order a purchase fulfils), or
    /// not (`Some(false)`).
    pub linked: Option<bool>,
    /// Shop orders fulfilled by a purchase of this (supplier) shop.
    pub fulfilled_by: Option<String>,
    /// Orders with a line of exactly this SKU.
    pub sku: Option<String>,
    /// Orders with a search term starting with this text, in any case: an
    /// order number, platform id or tracking number, and with
    /// [`OrderQuery::buyer_terms`] also a buyer's or receiver's name, phone
    /// or email.
    pub q: Option<String>,
    /// Whether `q` may match buyers' names, phones and emails: only for a
    /// caller allowed to see them (an API key with `pii`, the command line).
    pub buyer_terms: bool,
    pub sort: OrderSort,
    /// Start right after this order.
    pub after: Option<SortKey>,
    /// At most this many orders.
    pub limit: i64,
}

/// A stored order's canonical JSON text, as the store holds it (unpacked):
/// what the API sends, without parsing it into an [`orderhub_model::Order`]
/// and writing it out again.
#[derive(Debug, Clone)]
pub struct OrderDocument {
    /// The hub id.
    pub id: String,
    /// The canonical order as JSON, its raw payload inside.
    pub json: String,
}

impl OrderDocument {
    /// The order the document holds.
    pub fn to_order(&self) -> Result<orderhub_model::Order, StoreError> {
        serde_json::from_str(&self.json)
            .map_err(|e| StoreError::Corrupt { id: self.id.clone(), detail: format!("document: {e}") })
    }
}

/// One page of a listing, as documents.
#[derive(Debug, Clone)]
pub struct DocumentPage {
    pub documents: Vec<OrderDocument>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<SortKey>,
}

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct OrderListPage {
    pub orders: Vec<orderhub_model::Order>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<SortKey>,
}

/// One entry of the change feed, in commit order: an order created or
/// changed, or an item of the attention list opened or closed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedEvent {
    /// Commit order across the whole store; resume with `after=seq`.
    pub seq: i64,
    /// The order's canonical id; an attention item's order, `null` when the
    /// item is a shop's (a paused shop) or of an order not stored (one that
    /// could not be read).
    pub order_id: Option<String>,
    /// The order's platform; an attention item's shop's, `null` when that
    /// shop is not configured.
    pub platform: Option<String>,
    pub shop: String,
    /// The order's number; `null` for an attention event.
    pub order_number: Option<String>,
    /// `created`, `changed`, `attention.opened` or `attention.closed` (its
    /// cause cleared, or a person dismissed it).
    pub kind: String,
    /// What changed (for `created`, every field); empty for an attention event.
    pub changes: Vec<orderhub_model::Change>,
    pub recorded_at: jiff::Timestamp,
    /// An attention event's item as it was then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention: Option<AttentionItem>,
}

/// What a write-back job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// Report a shipment (tracking number, carrier).
    Ship,
    /// Change the order's status on the platform.
    Status,
    /// Change the order's shipping address on the platform.
    Address,
}

impl OutboxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxKind::Ship => "ship",
            OutboxKind::Status => "status",
            OutboxKind::Address => "address",
        }
    }

    fn parse(text: &str) -> Option<OutboxKind> {
        [OutboxKind::Ship, OutboxKind::Status, OutboxKind::Address].into_iter().find(|k| k.as_str() == text)
    }
}

/// A write-back request and how far it has got.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxJob {
    pub id: i64,
    pub kind: OutboxKind,
    pub order_id: String,
    pub shop: String,
    /// The request as the API received it.
    pub request: serde_json::Value,
    /// `pending` (waiting for its turn or a retry), `running`, `done` (the
    /// platform accepted it) or `failed` (the platform refused it, or retries ran out).
    pub state: String,
    pub attempts: i64,
    pub idempotency_key: Option<String>,
    /// The platform's answer, once there is one.
    pub outcome: Option<serde_json::Value>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    /// When the next attempt is due (pending jobs).
    pub next_attempt_at: jiff::Timestamp,
    /// True when a worker took the job before and stopped without recording an
    /// answer: the platform may already have acted, so check before sending again.
    #[serde(skip)]
    pub interrupted: bool,
}

/// A new write-back request.
#[derive(Debug, Clone)]
pub struct NewOutboxJob {
    pub kind: OutboxKind,
    pub order_id: String,
    pub shop: String,
    pub request: serde_json::Value,
    pub idempotency_key: Option<String>,
}

/// What enqueueing a write-back request did.
#[derive(Debug, Clone)]
pub enum Enqueued {
    /// Stored as a new job.
    New(OutboxJob),
    /// A job with this idempotency key exists: nothing new was stored.
    Repeat(OutboxJob),
    /// The order already has a live shipment: nothing new was stored.
    AlreadyShipped(OutboxJob),
}

/// An API key as stored: never the key itself.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// The key's first characters, to tell keys apart in a list.
    pub prefix: String,
    /// `read`, `write`, `admin`, `pii`.
    pub scopes: Vec<String>,
    pub created_at: jiff::Timestamp,
    pub revoked_at: Option<jiff::Timestamp>,
    pub last_used_at: Option<jiff::Timestamp>,
}

/// How far a webhook has been delivered.
/// Whose delivery progress: a webhook's (`webhook_state`) or a broker
/// sink's (`sink_state`). Both keep the same figures, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deliveries {
    Webhooks,
    Sinks,
}

impl Deliveries {
    pub(crate) fn table(self) -> &'static str {
        match self {
            Deliveries::Webhooks => "webhook_state",
            Deliveries::Sinks => "sink_state",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookState {
    pub name: String,
    /// The last event sequence number delivered.
    pub delivered_seq: i64,
    /// Failed attempts since the last delivery.
    pub attempts: i64,
    pub last_error: Option<String>,
    pub delivered_total: i64,
}

/// Per-shop figures over the sync-run history, for health and metrics.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunTotals {
    pub shop: String,
    pub runs_ok: i64,
    pub runs_failed: i64,
    pub api_calls: i64,
    /// The end of the newest run that ended OK.
    pub last_ok_at: Option<jiff::Timestamp>,
}
