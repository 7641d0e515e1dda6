//! Westmonth (西月) open API v2 (`westmonth-order-status.md`).
//!
//! - [`wire`]: the order as the document lists it;
//! - [`client`]: `POST /openapi/v2/order/status` with `Authorization: <token>`,
//!   `type` 4, update-time windows as wall-clock strings in the shop's zone,
//!   exact lookup by `order_numbers`, pages followed while `next_page_url` is set
//!   (by page number: the URL's host is not ours to trust), envelope `code` 0;
//! - [`normalize`]: wire → canonical, mapped in `docs/platforms/westmonth.md`.
//!
//! The list gives no `total`, so the sync engine checks each window for orders
//! that changed while it was paged (see the sync crate).

mod client;
pub mod normalize;
pub mod wire;

pub use client::{MAX_PER_PAGE, WestmonthConnector};
pub use normalize::normalize;

/// The platform's key in configuration and hub ids.
pub const PLATFORM: orderhub_model::Platform = orderhub_model::Platform::new("westmonth");

/// What orderhub knows of the platform (`crate::registry`).
pub static ENTRY: crate::registry::PlatformEntry = crate::registry::PlatformEntry {
    platform: PLATFORM,
    label: "Westmonth (西月)",
    colour: "#f79009",
    role: orderhub_model::Role::Purchase,
    capabilities: client::CAPABILITIES,
    remote_shop_id: None,
    connect: |settings| Ok(Box::new(WestmonthConnector::new(settings)?)),
};

#[cfg(test)]
mod tests;
