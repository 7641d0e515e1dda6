//! Westmonth order → canonical order. Every rule is a row of `docs/platforms/westmonth.md`.

use super::wire::WestmonthOrder;
use crate::wire::{read_raw, wall_clock, warn_unknown_once, with_scale};
use jiff::tz::TimeZone;
use orderhub_model::{
    Address, Customer, Decimal, FulfillmentStatus, LineItem, LinkRelation, Order, OrderLink, OrderStatus,
    PaymentStatus, PlatformStatus, RawPayload, RefundStatus, Shipment, hub_id,
};
use rust_decimal::prelude::ToPrimitive;
use serde_json::value::RawValue;

/// Why an order's payload could not become a canonical order.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NormalizeError(pub String);

/// Normalises one of `data.data[]`; wall-clock times are read in `zone`.
pub fn normalize(shop: &str, zone: &TimeZone, raw: &RawValue) -> Result<Order, NormalizeError> {
    let wire: WestmonthOrder =
        read_raw(raw).map_err(|e| NormalizeError(format!("order does not match the document: {e}")))?;
    normalize_order(shop, zone, wire, RawPayload::from(raw))
}

/// Normalises an order already read from `text`, its JSON in the answer
/// (serde_json parsed it into `wire`, so it is kept without a second check).
pub fn normalize_read(shop: &str, zone: &TimeZone, wire: WestmonthOrder, text: &str) -> Result<Order, NormalizeError> {
    normalize_order(shop, zone, wire, RawPayload::from_parsed(text))
}

fn normalize_order(
    shop: &str,
    zone: &TimeZone,
    wire: WestmonthOrder,
    raw: RawPayload,
) -> Result<Order, NormalizeError> {
    let number = wire.number.clone().ok_or_else(|| NormalizeError("order has no number".into()))?;
    let time = |field: &str, text: &Option<String>| {
        wall_clock(text.as_deref(), zone).map_err(|e| NormalizeError(format!("{field}: {e}")))
    };
    let created_at = time("created_at", &wire.created_at)?;
    let updated_at = time("updated_at", &wire.updated_at)?;

    let payment_status = match wire.pay_status {
        Some(1) => PaymentStatus::Paid,
        Some(2) => PaymentStatus::Failed,
        None | Some(0) => PaymentStatus::Unpaid,
        Some(other) => {
            warn_unknown_once("westmonth", "pay_status", &other.to_string());
            PaymentStatus::Unpaid
        }
    };
    // The unpaid example carries a pay_time: it is the payment's start, a paid time only once paid.
    let paid_at = if payment_status == PaymentStatus::Paid { time("pay_time", &wire.pay_time)? } else { None };
    let tracking = wire.shipment_no.clone();
    let code = wire.status.clone().unwrap_or_default();
    let (status, fulfillment_status) = match code.as_str() {
        "unpaid" => (OrderStatus::PendingPayment, FulfillmentStatus::Unfulfilled),
        "shipped" => (OrderStatus::Shipped, FulfillmentStatus::Fulfilled),
        // Not in the document; the words the simulator and Laravel shops commonly use.
        "paid" | "wait_ship" | "pending_shipment" => (OrderStatus::AwaitingShipment, FulfillmentStatus::Unfulfilled),
        "completed" | "finished" | "received" => (OrderStatus::Completed, FulfillmentStatus::Fulfilled),
        "cancelled" | "canceled" | "closed" => (OrderStatus::Cancelled, FulfillmentStatus::Unfulfilled),
        _ => {
            warn_unknown_once("westmonth", "status", &code);
            match (tracking.is_some(), payment_status) {
                (true, _) => (OrderStatus::Shipped, FulfillmentStatus::Fulfilled),
                (false, PaymentStatus::Paid) => (OrderStatus::AwaitingShipment, FulfillmentStatus::Unfulfilled),
                _ => (OrderStatus::PendingPayment, FulfillmentStatus::Unfulfilled),
            }
        }
    };
    let label = wire.status_format.clone().unwrap_or_else(|| "unknown".into());

    let total = wire.total.unwrap_or_default();
    let original = wire.total_original.unwrap_or(total);
    let shipping = wire.freight.or(wire.freight_num).unwrap_or_default();
    let shipping = with_scale(shipping, total.scale());
    let discount = with_scale((original - total).max(Decimal::ZERO), total.scale());
    let subtotal = wire.product_total.unwrap_or(original - shipping);
    let paid = match payment_status {
        PaymentStatus::Paid => wire.pay_amount.unwrap_or(total),
        _ => with_scale(Decimal::ZERO, total.scale()),
    };
    let items = wire
        .skus
        .iter()
        .enumerate()
        .map(|(index, sku)| {
            let unit_price = sku.price_format.unwrap_or_default();
            let line_total = sku.total_price_format.unwrap_or(unit_price);
            // No quantity field: derived from the line total when it divides exactly.
            let quantity = if unit_price > Decimal::ZERO && (line_total % unit_price).is_zero() {
                (line_total / unit_price).to_u32().unwrap_or(1).max(1)
            } else {
                1
            };
            LineItem {
                line_id: (index + 1).to_string(),
                sku: sku.product_sku.clone(),
                product_id: None,
                sku_id: None,
                title: None,
                variant: None,
                quantity,
                unit_price,
                total: line_total,
                image_url: None,
            }
        })
        .collect();
    let shipments = tracking
        .iter()
        .map(|no| Shipment {
            tracking_number: no.clone(),
            carrier_code: wire.logistics_company_code.clone(),
            carrier_name: wire.logistics_company_name.clone(),
            shipped_at: None,
        })
        .collect();
    Ok(Order {
        id: hub_id(super::PLATFORM, shop, &number),
        platform: super::PLATFORM,
        shop: shop.into(),
        order_number: number,
        platform_order_id: wire.id.clone(),
        status,
        payment_status,
        fulfillment_status,
        refund_status: RefundStatus::None,
        platform_status: PlatformStatus { code, label },
        currency: wire.currency_code.as_deref().map(|c| c.trim().to_ascii_uppercase()),
        subtotal,
        shipping,
        discount,
        total,
        paid,
        created_at,
        updated_at,
        paid_at,
        shipped_at: None,
        cancelled_at: None,
        completed_at: None,
        ship_by: None,
        customer: Customer { id: wire.customer_id.clone(), ..Customer::default() },
        shipping_address: Address::default(),
        items,
        shipments,
        role: super::ENTRY.role,
        links: fulfils(&wire),
        raw,
    })
}

/// The shop order this purchase names in `seller_order_no` (平台订单号), as
/// an unresolved link: which stored order has that number is the hub's to find.
fn fulfils(wire: &WestmonthOrder) -> Vec<OrderLink> {
    let number = wire.seller_order_no.as_deref().map(str::trim).unwrap_or_default();
    if number.is_empty() {
        return Vec::new();
    }
    vec![OrderLink { relation: LinkRelation::Fulfils, order_number: number.to_string(), order_id: None }]
}
