//! Damaijia (大麦家) relay for Douyin shops (`damaijia-douyin-order-search.md`).
//!
//! - [`wire`]: the shop order and its sku orders as the document lists them;
//! - [`client`]: `POST /vv/external/requestDyErp/order-searchList` with
//!   `Authorization: <access token>`, `{shop_id, params}`, 0-based `page`,
//!   `size` ≤ 100, update-time windows ordered by update time, the `status`
//!   codes of the document's table classified;
//! - [`normalize`]: wire → canonical, mapped in `docs/platforms/damaijia.md`.
//!
//! Amounts are integer fen. `product_id` is a JSON number that has lost digits;
//! `product_id_str` is the exact one and the only one read. Buyer fields arrive
//! encrypted and stay so: canonical values carry the
//! [`orderhub_model::ENCRYPTED_PREFIX`].

mod client;
pub mod normalize;
pub mod wire;

pub use client::{DamaijiaConnector, MAX_SIZE};
pub use normalize::normalize;

/// The platform's key in configuration and hub ids.
pub const PLATFORM: orderhub_model::Platform = orderhub_model::Platform::new("damaijia");

/// What orderhub knows of the platform (`crate::registry`).
pub static ENTRY: crate::registry::PlatformEntry = crate::registry::PlatformEntry {
    platform: PLATFORM,
    label: "Damaijia (大麦家, Douyin)",
    colour: "#d92d20",
    role: orderhub_model::Role::Sale,
    capabilities: client::CAPABILITIES,
    remote_shop_id: Some("the Douyin shop_id"),
    connect: |settings| Ok(Box::new(DamaijiaConnector::new(settings)?)),
};

#[cfg(test)]
mod tests;
