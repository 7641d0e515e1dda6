//! The canonical order document, field for field as `DESIGN.md` lists it.

use crate::{FulfillmentStatus, OrderStatus, PaymentStatus, Platform, RefundStatus};
use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The hub id of an order: `"<platform>:<shop>:<order_number>"`. Stable for the
/// life of the order, so other systems can key on it.
pub fn hub_id(platform: Platform, shop: &str, order_number: &str) -> String {
    format!("{platform}:{shop}:{order_number}")
}

/// One order, in the shape every platform is normalised to.
///
/// Serialised field order is the contract's order, so exports diff cleanly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    /// `"<platform>:<shop>:<order_number>"`, see [`hub_id`].
    pub id: String,
    pub platform: Platform,
    /// The configured shop key.
    pub shop: String,
    /// The number the merchant sees on the platform.
    pub order_number: String,
    /// The platform's internal id, when it has one distinct from the number.
    pub platform_order_id: Option<String>,
    pub status: OrderStatus,
    pub payment_status: PaymentStatus,
    pub fulfillment_status: FulfillmentStatus,
    pub refund_status: RefundStatus,
    /// The platform's own status, verbatim.
    pub platform_status: PlatformStatus,
    /// ISO 4217 code; `None` when the platform did not say.
    pub currency: Option<String>,
    /// Sum of the line items before shipping and discounts.
    pub subtotal: Decimal,
    pub shipping: Decimal,
    /// Every discount on the order, as a positive amount.
    pub discount: Decimal,
    /// What the buyer owes: subtotal + shipping − discount, unless the platform
    /// states its own total.
    pub total: Decimal,
    /// What the buyer has paid (zero while unpaid).
    pub paid: Decimal,
    pub created_at: Option<Timestamp>,
    /// The platform's last update time of the order; where the platform has none,
    /// the latest of the times it does report (see the platform's mapping page).
    pub updated_at: Option<Timestamp>,
    pub paid_at: Option<Timestamp>,
    pub shipped_at: Option<Timestamp>,
    pub cancelled_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    /// When the order must ship by, while it awaits shipment: when it was
    /// paid (or placed) plus its shop's `ship_within`. `null` once it
    /// shipped or was cancelled, while unpaid, and for shops with no
    /// deadline. Set by the hub, not read from the platform; stored orders
    /// from before the field read as `null`.
    #[serde(default)]
    pub ship_by: Option<Timestamp>,
    pub customer: Customer,
    pub shipping_address: Address,
    pub items: Vec<LineItem>,
    pub shipments: Vec<Shipment>,
    /// Whether the order is a sale (a buyer's order on a sales platform) or
    /// a purchase (the seller's own order at a supplier), from its platform's
    /// registry entry. Stored orders from before the field read as sales.
    #[serde(default)]
    pub role: Role,
    /// The orders this one is tied to: a supplier order `fulfils` the shop
    /// order whose number it names; that shop order is `fulfilled_by` it.
    /// Stored orders from before the field read as `[]`.
    #[serde(default)]
    pub links: Vec<OrderLink>,
    /// The platform's payload for this order, verbatim.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub raw: crate::RawPayload,
}

/// The platform's own status code and its meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformStatus {
    /// The code exactly as sent, as a string (`"1"`, `"WAIT_SELLER_SEND_GOODS"`).
    pub code: String,
    /// What the platform's document says the code means; for a code the document
    /// does not list, `"unknown"`.
    pub label: String,
}

/// The buyer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    pub id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Where the order goes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Address {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country_code: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub postal_code: Option<String>,
}

/// One line of the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineItem {
    /// Stable within the order: the platform's line id, or the 1-based position
    /// where the platform has none.
    pub line_id: String,
    pub sku: Option<String>,
    pub product_id: Option<String>,
    pub sku_id: Option<String>,
    pub title: Option<String>,
    /// The chosen options, as the platform words them.
    pub variant: Option<String>,
    pub quantity: u32,
    pub unit_price: Decimal,
    /// What the line costs: unit price × quantity, less the line's own discount.
    pub total: Decimal,
    pub image_url: Option<String>,
}

/// One parcel handed to a carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipment {
    pub tracking_number: String,
    pub carrier_code: Option<String>,
    pub carrier_name: Option<String>,
    pub shipped_at: Option<Timestamp>,
}

impl Order {
    /// The shop order numbers this order names as the ones it fulfils (its
    /// `fulfils` links, resolved or not): a supplier's purchase names one.
    pub fn fulfils(&self) -> impl Iterator<Item = &str> {
        self.links.iter().filter(|l| l.relation == LinkRelation::Fulfils).map(|l| l.order_number.as_str())
    }
}

/// What an order is to the seller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A buyer's order on a sales platform: what the seller sold.
    #[default]
    Sale,
    /// The seller's order at a supplier (Westmonth): what the seller bought
    /// to fulfil a sale.
    Purchase,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Sale => "sale",
            Role::Purchase => "purchase",
        }
    }

    /// The role a word names (`sale`, `purchase`), as the API takes it.
    pub fn parse(word: &str) -> Option<Role> {
        [Role::Sale, Role::Purchase].into_iter().find(|role| role.as_str() == word)
    }
}

/// One tie between a supplier's order and the shop order it fulfils.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLink {
    pub relation: LinkRelation,
    /// The linked order's number, as the supplier wrote it (Westmonth's
    /// `seller_order_no`).
    pub order_number: String,
    /// The linked order's hub id; `null` while no stored order has that
    /// number (or more than one does).
    pub order_id: Option<String>,
}

/// Which way a link points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LinkRelation {
    /// This supplier order ships the goods of the linked shop order.
    Fulfils,
    /// This shop order is shipped by the linked supplier order.
    FulfilledBy,
}

impl LinkRelation {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkRelation::Fulfils => "fulfils",
            LinkRelation::FulfilledBy => "fulfilled_by",
        }
    }
}
