//! Platform connectors: how orderhub talks to each sales platform.
//!
//! Layout: one folder per platform (`shoptima/`, ...) holding its wire types
//! (serde structs that mirror the platform's document field for field), its client
//! (auth, requests, paging, the error envelope) and its normaliser (wire →
//! canonical [`orderhub_model::Order`]). Shared pieces sit beside them:
//! [`http`] (the HTTP toolkit every client uses), [`wire`] (lenient readers for
//! money, times and ids as platforms send them), [`error`] and [`registry`]
//! (platform key → connector; adding a platform adds one line there).
//!
//! What this crate must not do: touch the store, decide what to sync, or retry
//! on its own. It answers one request at a time and classifies every failure
//! ([`ErrorKind`]) so that the sync engine can decide.

pub mod damaijia;
pub mod error;
pub mod http;
pub mod json_walk;
pub mod paging;
pub mod registry;
mod secret;
pub mod shoptima;
pub mod vanmall;
pub mod westmonth;
pub mod wire;
pub mod wshoto;

pub use error::{ConnectorError, ErrorKind};
pub use registry::{PlatformEntry, ShopSettings, UnknownPlatform, connect};
pub use secret::Secret;

use async_trait::async_trait;
use orderhub_model::{Order, Platform, Timestamp};

/// How a platform lets us list orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListBy {
    /// By creation (order) time only: changes to old orders are not listed, so
    /// known orders must be re-read to see their changes.
    CreatedTime,
    /// By last update time: a window read after a change shows that change.
    UpdatedTime,
}

/// What one connector can do. The API and CLI use it to refuse what a platform
/// cannot do, with the reason, instead of failing at the platform.
#[derive(Debug, Clone, Copy)]
pub struct Capabilities {
    /// `None` for platforms that have no list endpoint (orders come in by number).
    pub list_by: Option<ListBy>,
    /// The disjoint sub-listings that together hold every order. Most platforms
    /// have one (`&["all"]`); Shoptima's list hides refunded orders unless asked
    /// with `is_refund=1`, so it has two.
    pub partitions: &'static [&'static str],
    /// The largest page the platform serves.
    pub max_page_size: u32,
    /// Whether the platform looks orders up by number ([`Connector::fetch`]).
    pub fetch: bool,
    /// How many numbers one lookup request takes ([`Connector::fetch_many`]);
    /// 1 for platforms that look orders up one by one. Callers retry a failed
    /// lookup this many numbers at a time.
    pub fetch_batch: u32,
    /// Whether the platform takes shipments (tracking numbers) from us.
    pub ship: bool,
    /// The platform's own status codes an order can be set to through its API,
    /// with what each means; empty when it takes no status changes.
    pub status_codes: &'static [(&'static str, &'static str)],
    /// Whether the platform takes changes of an order's shipping address.
    pub update_address: bool,
}

impl Capabilities {
    /// A platform that only lists (or looks up) orders: no write-back.
    pub const fn read_only(
        list_by: Option<ListBy>,
        partitions: &'static [&'static str],
        max_page_size: u32,
        fetch: bool,
    ) -> Self {
        Capabilities {
            list_by,
            partitions,
            max_page_size,
            fetch,
            fetch_batch: 1,
            ship: false,
            status_codes: &[],
            update_address: false,
        }
    }
}

/// One window of one listing.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// Inclusive lower bound.
    pub from: Timestamp,
    /// Inclusive upper bound.
    pub to: Timestamp,
    /// Index into [`Capabilities::partitions`].
    pub partition: usize,
    /// 1-based page number.
    pub page: u32,
}

/// One page of a listing.
#[derive(Debug)]
pub struct OrderPage {
    /// Each order normalised, or why it could not be.
    pub orders: Vec<Result<Order, BadOrder>>,
    /// How many pages follow this one: `Some(0)` on the last page; a count
    /// where the answer tells (from its total, or the number of its last
    /// page); `None` where it says only that another follows. A sync asks
    /// for several of them at once; a page the listing no longer holds when
    /// it is asked for comes back empty.
    pub pages_after: Option<u64>,
    /// The platform's count of orders in the whole listing, when it gives one.
    pub total: Option<u64>,
}

impl OrderPage {
    /// Whether no page follows this one.
    pub fn last_page(&self) -> bool {
        self.pages_after == Some(0)
    }
}

/// An order the platform sent that could not be normalised. It is recorded with
/// its payload and does not stop the sync of the others.
#[derive(Debug, Clone)]
pub struct BadOrder {
    /// The order number, when it could be read at all.
    pub order_number: Option<String>,
    pub error: String,
    pub raw: serde_json::Value,
}

impl BadOrder {
    /// An order the normaliser refused, with its number read from
    /// `number_field` (string or number) when the payload has one.
    pub fn new(raw: &serde_json::value::RawValue, number_field: &str, error: impl std::fmt::Display) -> Self {
        BadOrder::from_text(raw.get(), number_field, error)
    }

    /// As [`BadOrder::new`], for an order's JSON text that serde_json has
    /// parsed (`json_walk`).
    pub fn from_text(raw: &str, number_field: &str, error: impl std::fmt::Display) -> Self {
        let mut bad = BadOrder::with_payload(raw, None, error);
        bad.order_number = bad.raw.get(number_field).and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        bad
    }

    /// An order the normaliser refused, whose number the caller already knows.
    pub fn numbered(
        raw: &serde_json::value::RawValue,
        order_number: Option<String>,
        error: impl std::fmt::Display,
    ) -> Self {
        BadOrder::with_payload(raw.get(), order_number, error)
    }

    /// `raw` is one JSON value (serde_json checked it); kept as a tree, which
    /// is fine for what is rare.
    fn with_payload(raw: &str, order_number: Option<String>, error: impl std::fmt::Display) -> Self {
        let raw = serde_json::from_str(raw).unwrap_or_default();
        BadOrder { order_number, error: error.to_string(), raw }
    }
}

impl<'a, T> json_walk::Listed<'a, T> {
    /// The order this element of a page holds: `read` normalises one read
    /// while the answer was walked (with its text in the answer), `unread`
    /// one from its text alone. A refused order is a [`BadOrder`], numbered
    /// from its `number_field`.
    pub fn normalize<E: std::fmt::Display>(
        self,
        number_field: &str,
        read: impl FnOnce(T, &'a str) -> Result<Order, E>,
        unread: impl FnOnce(&'a serde_json::value::RawValue) -> Result<Order, E>,
    ) -> Result<Order, BadOrder> {
        match self {
            json_walk::Listed::Read(order, text) => {
                read(order, text).map_err(|e| BadOrder::from_text(text, number_field, e))
            }
            json_walk::Listed::Unread(raw) => unread(raw).map_err(|e| BadOrder::new(raw, number_field, e)),
        }
    }
}

/// A shipment to report to the platform.
#[derive(Debug, Clone)]
pub struct ShipmentRequest {
    pub order_number: String,
    pub tracking_number: String,
    pub carrier_code: String,
}

/// A new shipping address (and buyer contact) for an order; `None` fields are
/// left as the platform holds them.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddressUpdate {
    pub country_code: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The platform's answer for one order of a write request (a shipment, a
/// status or an address change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentOutcome {
    pub order_number: String,
    /// True when the platform says the shipment was recorded.
    pub accepted: bool,
    /// The platform's own code for this order, as text.
    pub code: String,
    /// The platform's message for this order, verbatim.
    pub message: String,
}

/// A platform connection for one shop.
#[async_trait]
pub trait Connector: Send + Sync {
    /// Which platform this is.
    fn platform(&self) -> Platform;
    /// The configured shop key.
    fn shop(&self) -> &str;
    /// What the platform can do.
    fn capabilities(&self) -> Capabilities;
    /// Reads one page of a listing.
    async fn list_page(&self, query: &ListQuery) -> Result<OrderPage, ConnectorError>;
    /// Reads one order by its number; `Ok(None)` when the platform has no such
    /// order. Platforms without a lookup answer with a configuration error.
    async fn fetch(&self, _order_number: &str) -> Result<Option<Result<Order, BadOrder>>, ConnectorError> {
        Err(ConnectorError::Config(format!(
            "{}'s API has no lookup by order number; its orders come in by `orderhub sync --shop {}`",
            self.platform(),
            self.shop()
        )))
    }
    /// Reads many orders by number: one answer per number, in the same order.
    /// Platforms that look up many at once (Westmonth's `order_numbers`) do so;
    /// the others ask one by one.
    async fn fetch_many(
        &self,
        order_numbers: &[String],
    ) -> Result<Vec<Option<Result<Order, BadOrder>>>, ConnectorError> {
        let mut found = Vec::with_capacity(order_numbers.len());
        for number in order_numbers {
            found.push(self.fetch(number).await?);
        }
        Ok(found)
    }
    /// Reports shipments; the platform answers order by order. Platforms that
    /// take none (`Capabilities::ship` false) answer with a configuration error.
    async fn ship(&self, _shipments: &[ShipmentRequest]) -> Result<Vec<ShipmentOutcome>, ConnectorError> {
        Err(ConnectorError::Config(format!(
            "shop {:?}: {}'s API does not take shipments",
            self.shop(),
            self.platform()
        )))
    }
    /// Sets the platform status (one of [`Capabilities::status_codes`]) of
    /// these orders; the platform answers for them all at once.
    async fn update_status(&self, _order_numbers: &[String], _code: &str) -> Result<ShipmentOutcome, ConnectorError> {
        Err(ConnectorError::Config(format!(
            "shop {:?}: {}'s API does not take status changes",
            self.shop(),
            self.platform()
        )))
    }
    /// Changes an order's shipping address.
    async fn update_address(
        &self,
        _order_number: &str,
        _update: &AddressUpdate,
    ) -> Result<ShipmentOutcome, ConnectorError> {
        Err(ConnectorError::Config(format!(
            "shop {:?}: {}'s API does not take address changes",
            self.shop(),
            self.platform()
        )))
    }
    /// HTTP requests sent so far by this connector.
    fn api_calls(&self) -> u64;
    /// How far the platform's clock runs ahead of ours, as its last answer's
    /// `Date` header told; `None` before the first answer.
    fn platform_clock_offset(&self) -> Option<jiff::SignedDuration> {
        None
    }
}
