//! Shoptima open API v1 (`shoptima-orders.md`).
//!
//! - [`wire`]: the order as the document lists it;
//! - [`client`]: `GET /order`, `GET /order/{order_num}/detail`,
//!   `POST /order/shippingOrders`, the `status`/`code` envelope;
//! - [`normalize`]: wire → canonical, mapped in `docs/platforms/shoptima.md`.
//!
//! Two readings of the document drive the client. The list filters by pay time
//! unless `time_type=2`, so unpaid orders are only listed by order time; and
//! `is_refund` defaults to 0, so refunded orders are only listed when asked for
//! with `is_refund=1`. Every sync therefore reads two partitions by order time.

mod client;
pub mod normalize;
pub mod wire;

pub use client::{DEFAULT_AUTH_SCHEME, MAX_ROWS, ShoptimaConnector};
pub use normalize::normalize;

/// The platform's key in configuration and hub ids.
pub const PLATFORM: orderhub_model::Platform = orderhub_model::Platform::new("shoptima");

/// What orderhub knows of the platform (`crate::registry`).
pub static ENTRY: crate::registry::PlatformEntry = crate::registry::PlatformEntry {
    platform: PLATFORM,
    label: "Shoptima",
    colour: "#1f6feb",
    role: orderhub_model::Role::Sale,
    capabilities: client::CAPABILITIES,
    remote_shop_id: None,
    connect: |settings| Ok(Box::new(ShoptimaConnector::new(settings)?)),
};

#[cfg(test)]
mod tests;
