//! VanMall order → canonical order. Every rule is a row of `docs/platforms/vanmall.md`.

use super::wire::VanmallOrder;
use crate::wire::{read_raw, wall_clock, warn_unknown_once, with_scale};
use jiff::tz::TimeZone;
use orderhub_model::{
    Address, Customer, Decimal, FulfillmentStatus, LineItem, Order, OrderStatus, PaymentStatus, PlatformStatus,
    RefundStatus, hub_id,
};
use serde_json::value::RawValue;

/// Why an order's payload could not become a canonical order.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NormalizeError(pub String);

/// Normalises `data.order_info`; wall-clock times are read in `zone`.
pub fn normalize(shop: &str, zone: &TimeZone, raw: &RawValue) -> Result<Order, NormalizeError> {
    let wire: VanmallOrder =
        read_raw(raw).map_err(|e| NormalizeError(format!("order does not match the document: {e}")))?;
    let number = wire.order_number.clone().ok_or_else(|| NormalizeError("order has no order_number".into()))?;
    let time = |field: &str, text: &Option<String>| {
        wall_clock(text.as_deref(), zone).map_err(|e| NormalizeError(format!("{field}: {e}")))
    };

    let payment_status = match wire.payment_status {
        Some(1) | Some(2) | None => PaymentStatus::Unpaid,
        Some(3) => PaymentStatus::Paid,
        Some(4) => PaymentStatus::PartiallyRefunded,
        Some(5) => PaymentStatus::Refunded,
        Some(other) => {
            warn_unknown_once("vanmall", "payment_status", &other.to_string());
            PaymentStatus::Unpaid
        }
    };
    let fulfillment_status = match wire.fulfillment_status {
        Some(1) | Some(2) | Some(3) | None => FulfillmentStatus::Unfulfilled,
        Some(4) => FulfillmentStatus::Partial,
        Some(5) | Some(6) | Some(7) => FulfillmentStatus::Fulfilled,
        Some(8) => FulfillmentStatus::Returned,
        Some(other) => {
            warn_unknown_once("vanmall", "fulfillment_status", &other.to_string());
            FulfillmentStatus::Unfulfilled
        }
    };
    let refund_status = match (wire.payment_status, wire.post_sale_status) {
        (Some(5), _) => RefundStatus::Full,
        (Some(4), _) => RefundStatus::Partial,
        (_, Some(2)) => RefundStatus::Requested,
        _ => RefundStatus::None,
    };
    let paid = !matches!(payment_status, PaymentStatus::Unpaid);
    let status = match wire.order_status {
        Some(4) => OrderStatus::Cancelled,
        Some(3) => OrderStatus::Completed,
        Some(1) => OrderStatus::PendingPayment,
        Some(2) => match (paid, fulfillment_status) {
            (false, _) => OrderStatus::PendingPayment,
            (true, FulfillmentStatus::Partial | FulfillmentStatus::Fulfilled) => OrderStatus::Shipped,
            (true, _) => OrderStatus::AwaitingShipment,
        },
        other => {
            warn_unknown_once("vanmall", "order_status", &format!("{other:?}"));
            if paid { OrderStatus::AwaitingShipment } else { OrderStatus::PendingPayment }
        }
    };
    let code = format!(
        "{}/{}/{}",
        wire.order_status.map(|c| c.to_string()).unwrap_or_default(),
        wire.payment_status.map(|c| c.to_string()).unwrap_or_default(),
        wire.fulfillment_status.map(|c| c.to_string()).unwrap_or_default()
    );
    let label = match wire.order_status {
        Some(1) => "checkout edit",
        Some(2) => "open",
        Some(3) => "archived",
        Some(4) => "cancelled",
        _ => "unknown",
    };

    let total = wire.curr_grand_total.unwrap_or_default();
    let paid_amount = if paid { total } else { with_scale(Decimal::ZERO, total.scale()) };
    let items = wire
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let quantity = match item.qty {
                None => Ok(1),
                Some(n) => u32::try_from(n).map_err(|_| NormalizeError(format!("items[{i}].qty is {n}"))),
            }?;
            let unit_price = item.curr_price.unwrap_or_default();
            Ok(LineItem {
                line_id: item.id.clone().unwrap_or_else(|| (i + 1).to_string()),
                sku: item.sku.clone(),
                product_id: item.product_id.clone(),
                sku_id: item.variant_id.clone(),
                title: item.product_title.clone(),
                variant: item.variant_title.clone(),
                quantity,
                unit_price,
                total: item.curr_row_price.unwrap_or(unit_price * Decimal::from(quantity)),
                image_url: item.image.clone(),
            })
        })
        .collect::<Result<Vec<_>, NormalizeError>>()?;
    let address = wire.shipping_address.as_ref();
    let name = address.and_then(|a| match (&a.first_name, &a.last_name) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (None, None) => None,
    });
    Ok(Order {
        id: hub_id(super::PLATFORM, shop, &number),
        platform: super::PLATFORM,
        shop: shop.into(),
        order_number: number,
        platform_order_id: wire.id.clone(),
        status,
        payment_status,
        fulfillment_status,
        refund_status,
        platform_status: PlatformStatus { code, label: label.into() },
        currency: wire.currency_code.as_deref().map(|c| c.trim().to_ascii_uppercase()),
        subtotal: wire.curr_subtotal.unwrap_or_default(),
        shipping: wire.curr_shipping_total.unwrap_or_default(),
        discount: wire.curr_subtotal_with_discount.unwrap_or_default(),
        total,
        paid: paid_amount,
        created_at: time("created_at", &wire.created_at)?,
        updated_at: time("updated_at", &wire.updated_at)?,
        paid_at: time("payed_at", &wire.payed_at)?,
        shipped_at: time("fulfilled_at", &wire.fulfilled_at)?,
        cancelled_at: time("cancelled_at", &wire.cancelled_at)?,
        completed_at: None,
        ship_by: None,
        customer: Customer {
            id: wire.customer_id.clone(),
            name: name.clone(),
            email: wire.customer_email.clone(),
            phone: wire.customer_phone.clone().or_else(|| address.and_then(|a| a.phone.clone())),
        },
        shipping_address: Address {
            name,
            phone: address.and_then(|a| a.phone.clone()),
            company: address.and_then(|a| a.company.clone()),
            country_code: address.and_then(|a| a.country_code.clone()),
            province: address.and_then(|a| a.province_code.clone()),
            city: address.and_then(|a| a.city.clone()),
            district: None,
            address1: address.and_then(|a| a.address_1.clone()),
            address2: address.and_then(|a| a.address_2.clone()),
            postal_code: address.and_then(|a| a.zip.clone()),
        },
        items,
        shipments: vec![],
        role: super::ENTRY.role,
        links: Vec::new(),
        raw: raw.into(),
    })
}
