//! The sync engine: brings a shop's orders from its platform into the store.
//!
//! A shop is read through its [`Connector`] in streams, one per listing
//! partition. Each reads the window from its committed cursor (less an overlap)
//! up to a bound fixed when the run starts, on the platform's clock (learned from
//! its answers' `Date` header, with one empty-window call when a run has not
//! heard from the platform yet). Where the platform lists by update
//! time (Wshoto) that window holds every change; where it lists by creation time
//! only (Shoptima) the window also reaches back over the shop's refresh window,
//! so that changes to recent orders are seen. Where it has no list at all
//! (VanMall), orders come in by number and every known order that can still
//! change is re-read by number on each run.
//! Pages are written by a task of their own while the next ones are read, a
//! window's pages in one transaction (see `page_writer`); the last page of a window
//! commits the stream's cursor with it, so progress is never ahead of the data and a crash
//! re-reads at most one window. A listing whose `total` moves while it is paged
//! (an order left or joined it, shifting later pages) is read again.
//!
//! What it must not do: parse platform payloads (the connectors do) or write SQL
//! (the store does).

mod engine;
mod error;
mod hub;
mod outbox;
mod page_writer;
mod verify;
mod webhook;

pub use engine::{
    ProgressFn, READ_AHEAD, RetryPolicy, ShipReport, ShopSync, SyncReport, UPPER_BOUND_LAG, due_for_scheduled_sync,
    fetch_orders, ship, sync_shop,
};
pub use error::SyncError;
pub use hub::{Hub, HubShop, LEASE, RETRY_PAUSED_AFTER, StartSync, under_shop_lease, worker_name};
pub use outbox::{JOB_LEASE, MAX_ATTEMPTS, ShipRequest, StatusRequest};
pub use verify::{VerifyReport, verify_shop};
pub use webhook::{BATCH as WEBHOOK_BATCH, Webhook, signature};
