//! VanMall (Fecmall-based store) open API (`vanmall-order-info.md`).
//!
//! - [`wire`]: `order_info` as the document lists it;
//! - [`client`]: `GET /manager/api/apps/openapi/order/info` with header
//!   `open-access-token` and a JSON body `{order_number}`, envelope `code` 200;
//! - [`normalize`]: wire → canonical, mapped in `docs/platforms/vanmall.md`.
//!
//! There is no list endpoint: orders come in by number (`orderhub fetch`), and
//! each sync re-reads every known order that is not final (archived or cancelled).

mod client;
pub mod normalize;
pub mod wire;

pub use client::VanmallConnector;
pub use normalize::normalize;

/// The platform's key in configuration and hub ids.
pub const PLATFORM: orderhub_model::Platform = orderhub_model::Platform::new("vanmall");

/// What orderhub knows of the platform (`crate::registry`).
pub static ENTRY: crate::registry::PlatformEntry = crate::registry::PlatformEntry {
    platform: PLATFORM,
    label: "VanMall",
    colour: "#7a5af8",
    role: orderhub_model::Role::Sale,
    capabilities: client::CAPABILITIES,
    remote_shop_id: None,
    connect: |settings| Ok(Box::new(VanmallConnector::new(settings)?)),
};

#[cfg(test)]
mod tests;
