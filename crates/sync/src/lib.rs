//! The sync engine: brings a shop's orders from its platform into the store.
//!
//! A shop is read through its [`Connector`] in streams, one per listing
//! partition. Each reads the window from its committed cursor (less an overlap)
//! up to a bound fixed when the run starts, on the platform's clock (learned from
//! its answers' `Date` header, with one empty-window call, beside the windows'
//! first pages, when a run has not heard from the platform yet). Where the platform lists by update
//! time (Wshoto) that window holds every change; where it lists by creation time
//! only (Shoptima) the window also reaches back over the shop's refresh window,
//! so that changes to recent orders are seen. Where it has no list at all
//! (VanMall), orders come in by number and every known order that can still
//! change is re-read by number on each run.
//! A shop's list requests go through its lanes (`lanes`): `max_in_flight`
//! at once, all held back together when the platform says it is busy. The
//! partitions are read at the same time; a long window (a first sync, a
//! catch-up) is split by time into spans read at the same time (`spans`,
//! `window`), and each span's pages are asked for ahead as far as the
//! answers say they exist. Pages are written by one writer per run while
//! the next ones are read (see `page_writer`); a stream's cursor is handed
//! to the writer after the pages it passes, and moves only over spans read
//! in full, in time order, so progress is never ahead of the data and a
//! crash re-reads at most the spans in flight. A span whose `total` moves
//! while it is paged (an order left or joined it, shifting later pages), or
//! whose orders were updated past the run's bound meanwhile (`moved`), is
//! read again.
//!
//! What needs a person (a paused or stalled shop, a refused write-back, an
//! order that could not be read) is found from the store on every sweep and
//! kept as one attention item per cause (`attention`), and sent as digests
//! to the team's chat robots (`alerts`).
//!
//! What it must not do: parse platform payloads (the connectors do) or write SQL
//! (the store does).

mod alerts;
pub mod attention;
mod deadlines;
mod doctor;
mod engine;
mod error;
mod hub;
mod lanes;
mod moved;
mod outbox;
mod page_writer;
mod sinks;
mod spans;
mod verify;
mod webhook;
mod window;

pub use alerts::{
    Alert, AlertRequest, LISTED as ALERT_LISTED, Language as AlertLanguage, Service as AlertService,
    accepted as alert_accepted, dingtalk_sign, feishu_sign, request as alert_request,
};
pub use deadlines::{ShipDeadline, WithDeadlines};
pub use doctor::{CLOCK_TOLERANCE, Check, check_shop};
pub use engine::{
    Progress, ProgressFn, RetryPolicy, ShipReport, ShopSync, SyncReport, UPPER_BOUND_LAG, due_for_scheduled_sync,
    fetch_orders, ship, sync_shop, sync_shop_until,
};
pub use error::SyncError;
pub use hub::{Hub, HubShop, LEASE, RETRY_PAUSED_AFTER, StartSync, under_shop_lease, worker_name};
pub use lanes::{DEFAULT_IN_FLIGHT, MAX_IN_FLIGHT};
pub use outbox::{JOB_LEASE, MAX_ATTEMPTS, ShipRequest, StatusRequest};
pub use sinks::{BATCH as SINK_BATCH, Broker, Sink, SinkBench, bench_sink};
pub use verify::{VerifyReport, verify_shop};
pub use webhook::{BATCH as WEBHOOK_BATCH, Webhook, signature};
