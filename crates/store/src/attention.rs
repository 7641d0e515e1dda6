//! The attention list's types: what needs a person, one item per cause.
//!
//! The store keeps the items and the facts they are found from (paused
//! shops, sync ages, refused write-backs, orders that could not be read);
//! which facts make a cause, and the words a person reads, are the sync
//! crate's (`orderhub_sync::attention`). Causes are found afresh on every
//! sweep and the list is reconciled with them ([`crate::Store::reconcile_attention`]),
//! so an item opens once however often its cause is seen, also across
//! restarts and workers, and closes by itself when its cause is gone.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// How soon a person should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Severity {
    /// Orders are being lost or fined now (a shop that syncs nothing, a
    /// shipment the platform refused).
    Critical,
    /// Something to fix before it costs (an order that could not be read, a
    /// shop falling behind).
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
        }
    }

    /// The severity a stored name stands for; unknown names read as warnings.
    pub fn parse(name: &str) -> Severity {
        if name == "critical" { Severity::Critical } else { Severity::Warning }
    }
}

/// A cause found now: what an item says while it is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttentionCause {
    /// Stable for one cause (`"shop_paused:belment"`), so that seeing it
    /// again finds its item instead of opening another.
    pub cause: String,
    /// What kind of cause (`shop_paused`, `shop_stalled`, `writeback_failed`,
    /// `unreadable_order`).
    pub kind: &'static str,
    pub severity: Severity,
    pub shop: Option<String>,
    /// The platform of the shop, when the shop is configured.
    pub platform: Option<String>,
    /// The canonical id of the order, when the cause is one order's.
    pub order_id: Option<String>,
    /// What is wrong, in words (with the platform's own message where it sent one).
    pub reason: String,
    /// What a person can do about it.
    pub action: String,
}

/// An item of the attention list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttentionItem {
    pub id: i64,
    /// The cause's stable key: one cause is one item while it lasts.
    pub cause: String,
    pub kind: String,
    pub severity: Severity,
    pub shop: Option<String>,
    /// The platform of the shop, when the shop is configured.
    pub platform: Option<String>,
    pub order_id: Option<String>,
    pub reason: String,
    pub action: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub opened_at: Timestamp,
    /// When it reached its severity: its opening, or the moment it turned
    /// critical (a deadline that passed). An alert's digest window counts from it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub raised_at: Timestamp,
    /// When the cause cleared (the shop synced again, a later write-back
    /// succeeded, the order was read): the item closed by itself.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub cleared_at: Option<Timestamp>,
    /// When a person dismissed it, who, and their note.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub dismissed_at: Option<Timestamp>,
    pub dismissed_by: Option<String>,
    pub note: Option<String>,
}

impl AttentionItem {
    /// Open: its cause lasts and nobody dismissed it.
    pub fn is_open(&self) -> bool {
        self.cleared_at.is_none() && self.dismissed_at.is_none()
    }
}

/// Which items to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AttentionFilter {
    pub kind: Option<String>,
    pub shop: Option<String>,
    pub severity: Option<Severity>,
    /// Only open items (`Some(true)`), only closed ones (`Some(false)`), or both.
    pub open: Option<bool>,
    /// Items with an id below this one (the next page).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// What a reconciliation changed: the items it opened and those it closed
/// because their cause is gone.
#[derive(Debug, Clone, Default)]
pub struct Reconciled {
    pub opened: Vec<AttentionItem>,
    pub closed: Vec<AttentionItem>,
}

/// A shop paused by an error a person has to fix.
#[derive(Debug, Clone)]
pub struct PausedShop {
    pub shop: String,
    /// The error that paused it, as the sync recorded it.
    pub reason: String,
    pub since: Timestamp,
}

/// How long ago a shop last synced.
#[derive(Debug, Clone)]
pub struct SyncAge {
    /// The end of its newest run that ended OK.
    pub last_ok_at: Option<Timestamp>,
    /// The start of its first run: how long a shop that never synced has tried.
    pub first_run_at: Option<Timestamp>,
    /// The error of its newest run, if that run failed.
    pub last_error: Option<String>,
}

/// An order awaiting shipment whose deadline (`ship_by`) is near or past.
#[derive(Debug, Clone)]
pub struct DueShipment {
    pub order_id: String,
    pub shop: String,
    pub order_number: String,
    pub ship_by: Timestamp,
}

/// An order the platform sent that could not be read, and has not been
/// read since.
#[derive(Debug, Clone)]
pub struct UnreadOrder {
    pub shop: String,
    /// Empty when not even its number could be read.
    pub order_number: String,
    pub error: String,
    pub recorded_at: Timestamp,
}

/// A purchase's link to the shop order it names that found no one order:
/// none has the number (yet), or several do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedLink {
    /// The purchase's hub id and shop.
    pub purchase_id: String,
    pub shop: String,
    /// The number it names.
    pub number: String,
    /// When the purchase was first stored.
    pub since: Timestamp,
    /// The stored orders with that number, by hub id (two or more: the
    /// number is ambiguous; none: it names no stored order).
    pub candidates: Vec<String>,
}
