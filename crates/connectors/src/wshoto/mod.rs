//! Wshoto (微盛) mall open API (`wshoto-mall-order-list.md`).
//!
//! - [`wire`]: the order as the document lists it;
//! - [`client`]: `GET /openapi/mall/order/list?access_token=` with a JSON body,
//!   `current_index`/`page_size` paged by `data.total`, the `code`/`msg` envelope;
//! - [`normalize`]: wire → canonical, mapped in `docs/platforms/wshoto.md`.
//!
//! Orders are listed by update time (`type` 3), which also reaches every order
//! placed since `sync_from` (an order's update time is never before its
//! creation). Money comes as JSON numbers (`6.00`) and `sku_id`/`spu_id` exceed
//! 2^53: both are read from the number's text, never through `f64`.

mod client;
pub mod normalize;
pub mod wire;

pub use client::{MAX_PAGE_SIZE, WshotoConnector};
pub use normalize::normalize;

/// The platform's key in configuration and hub ids.
pub const PLATFORM: orderhub_model::Platform = orderhub_model::Platform::new("wshoto");

/// What orderhub knows of the platform (`crate::registry`).
pub static ENTRY: crate::registry::PlatformEntry = crate::registry::PlatformEntry {
    platform: PLATFORM,
    label: "Wshoto (微盛)",
    colour: "#12b76a",
    role: orderhub_model::Role::Sale,
    capabilities: client::CAPABILITIES,
    remote_shop_id: None,
    connect: |settings| Ok(Box::new(WshotoConnector::new(settings)?)),
};

#[cfg(test)]
mod tests;
