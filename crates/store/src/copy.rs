//! Copying a whole store to another database (`orderhub copy`): every table,
//! row by row, in key order, so that a store moves from SQLite to PostgreSQL
//! (or back) without losing an order, an event, a cursor or a queued job.
//!
//! Both databases hold the same tables with the same columns (the SQLite
//! migrations end where PostgreSQL's start), every value an integer, a text or
//! NULL, so a row is read as such values and written back unchanged, ids and
//! event sequence numbers included.

/// A column's kind: how its values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Text,
    /// An order's document: read as its JSON text (unpacked, see
    /// `crate::documents`), written as text; the next write of the order
    /// packs it again where the store packs documents.
    Document,
}

/// One table to copy: its columns and its key (the columns rows are read in
/// order of, a page at a time).
#[derive(Debug)]
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    pub key: &'static [&'static str],
    /// The identity column a database numbers new rows by, if any.
    pub identity: Option<&'static str>,
}

use Kind::{Int, Text};

/// Every table of the store, parents before the rows that refer to them.
/// (`leases` is not copied: leases belong to the workers of the old store.)
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "orders",
        columns: &[
            ("key", Int),
            ("id", Text),
            ("platform", Text),
            ("shop", Text),
            ("order_number", Text),
            ("status", Text),
            ("payment_status", Text),
            ("fulfillment_status", Text),
            ("refund_status", Text),
            ("currency", Text),
            ("total", Text),
            ("created_ms", Int),
            ("updated_ms", Int),
            ("document", Kind::Document),
            ("first_seen_ms", Int),
            ("last_changed_ms", Int),
            ("ship_by_ms", Int),
        ],
        key: &["key"],
        identity: Some("key"),
    },
    Table {
        name: "order_items",
        columns: &[
            ("order_key", Int),
            ("line_id", Text),
            ("sku", Text),
            ("product_id", Text),
            ("sku_id", Text),
            ("title", Text),
            ("quantity", Int),
            ("unit_price", Text),
            ("total", Text),
        ],
        key: &["order_key", "line_id"],
        identity: None,
    },
    Table {
        name: "order_events",
        columns: &[("seq", Int), ("order_key", Int), ("kind", Text), ("changes", Text), ("recorded_ms", Int)],
        key: &["seq"],
        identity: Some("seq"),
    },
    Table {
        name: "order_links",
        columns: &[("number", Text), ("order_key", Int)],
        key: &["number", "order_key"],
        identity: None,
    },
    Table {
        name: "order_terms",
        columns: &[("term", Text), ("order_key", Int)],
        key: &["term", "order_key"],
        identity: None,
    },
    Table {
        name: "sync_cursors",
        columns: &[("shop", Text), ("stream", Text), ("cursor", Text), ("updated_ms", Int)],
        key: &["shop", "stream"],
        identity: None,
    },
    Table {
        name: "bad_orders",
        columns: &[("shop", Text), ("order_number", Text), ("error", Text), ("raw", Text), ("recorded_ms", Int)],
        key: &["shop", "order_number"],
        identity: None,
    },
    Table {
        name: "sync_runs",
        columns: &[
            ("id", Int),
            ("shop", Text),
            ("started_ms", Int),
            ("ended_ms", Int),
            ("outcome", Text),
            ("pages", Int),
            ("api_calls", Int),
            ("orders_new", Int),
            ("orders_changed", Int),
            ("orders_unchanged", Int),
            ("orders_bad", Int),
            ("error", Text),
            ("progress", Text),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "shop_state",
        columns: &[("shop", Text), ("paused_reason", Text), ("paused_ms", Int)],
        key: &["shop"],
        identity: None,
    },
    Table {
        name: "outbox",
        columns: &[
            ("id", Int),
            ("idempotency_key", Text),
            ("kind", Text),
            ("order_id", Text),
            ("shop", Text),
            ("request", Text),
            ("state", Text),
            ("attempts", Int),
            ("next_attempt_ms", Int),
            ("lease_until_ms", Int),
            ("outcome", Text),
            ("error", Text),
            ("created_ms", Int),
            ("updated_ms", Int),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "api_keys",
        columns: &[
            ("id", Int),
            ("name", Text),
            ("prefix", Text),
            ("hash", Text),
            ("scopes", Text),
            ("created_ms", Int),
            ("revoked_ms", Int),
            ("last_used_ms", Int),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table { name: "webhook_state", columns: DELIVERY_STATE, key: &["name"], identity: None },
    Table { name: "sink_state", columns: DELIVERY_STATE, key: &["name"], identity: None },
    Table {
        name: "attention",
        columns: &[
            ("id", Int),
            ("cause", Text),
            ("kind", Text),
            ("severity", Text),
            ("shop", Text),
            ("platform", Text),
            ("order_id", Text),
            ("reason", Text),
            ("action", Text),
            ("opened_ms", Int),
            ("raised_ms", Int),
            ("cleared_ms", Int),
            ("dismissed_ms", Int),
            ("dismissed_by", Text),
            ("note", Text),
        ],
        key: &["id"],
        identity: Some("id"),
    },
    Table {
        name: "alert_sent",
        columns: &[("alert", Text), ("item_id", Int), ("sent_ms", Int), ("severity", Text)],
        key: &["alert", "item_id"],
        identity: None,
    },
    Table {
        name: "attention_events",
        columns: &[("seq", Int), ("item_id", Int), ("kind", Text), ("item", Text), ("recorded_ms", Int)],
        key: &["seq"],
        identity: None,
    },
];

/// A webhook's or a sink's progress (`crate::Deliveries`).
const DELIVERY_STATE: &[(&str, Kind)] = &[
    ("name", Text),
    ("delivered_seq", Int),
    ("attempts", Int),
    ("last_error", Text),
    ("last_attempt_ms", Int),
    ("delivered_total", Int),
];

/// One value of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
}

/// Rows read a page at a time: one statement per page stays well under
/// either database's limit of bound values (500 × 15 columns).
pub(crate) const ROWS_PER_PAGE: usize = 500;

/// What a copy moved, per table.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CopyReport {
    /// (table, rows copied), in the order copied.
    pub tables: Vec<(String, u64)>,
}
