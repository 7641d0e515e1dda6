//! The canonical order: the one shape every platform's order is turned into.
//!
//! This crate is the contract of `DESIGN.md` written as types. The API, `orders
//! export` and the change feed all emit [`Order`] serialised by serde, so the field
//! names, the status words and the formats here are a public contract: extend them,
//! never rename them.
//!
//! Formats the types guarantee:
//! - money is [`rust_decimal::Decimal`], serialised as an exact decimal string
//!   (`"16.55"`); it never passes through `f64`;
//! - times are [`jiff::Timestamp`], serialised as RFC 3339 UTC (`"2020-05-21T17:18:50Z"`);
//! - ids are strings, so no id loses a digit;
//! - `raw` is the platform's payload for the order, verbatim: its JSON text
//!   ([`RawPayload`]), every number's digits and every key as sent.
//!
//! It must not do I/O: no HTTP, no database, no files. Everything here is pure so
//! that every other crate (and the simulators' tests) can depend on it cheaply.

mod change;
mod json;
pub mod masking;
mod order;
mod platform;
mod raw;
mod status;

pub use change::{Change, diff};
pub use json::write_json;
pub use order::{Address, Customer, LineItem, LinkRelation, Order, OrderLink, PlatformStatus, Role, Shipment, hub_id};
pub use platform::Platform;
pub use raw::{JsonScan, RawPayload};
pub use status::{FulfillmentStatus, OrderStatus, PaymentStatus, RefundStatus};

/// Marks a canonical text value (a buyer's name, phone or address) that is
/// ciphertext the platform sent in place of the plain value (Douyin's, through
/// Damaijia): it is kept as sent, after this prefix, and never shown or
/// searched as if it were the plain value.
pub const ENCRYPTED_PREFIX: &str = "encrypted:";

/// A UTC instant.
pub use jiff::Timestamp;
/// Money as the model carries it: an exact decimal.
pub use rust_decimal::Decimal;
