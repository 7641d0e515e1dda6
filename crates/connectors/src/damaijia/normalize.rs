//! Damaijia (Douyin) shop order → canonical order. Every rule is a row of
//! `docs/platforms/damaijia.md`.

use super::wire::{DamaijiaShopOrder, DamaijiaSkuOrder};
use crate::wire::{money_sum, read_raw, warn_unknown_once, with_scale};
use orderhub_model::{
    Address, Customer, Decimal, ENCRYPTED_PREFIX, FulfillmentStatus, LineItem, Order, OrderStatus, PaymentStatus,
    PlatformStatus, RawPayload, RefundStatus, Shipment, hub_id,
};
use serde_json::value::RawValue;

/// Douyin sells in yuan; amounts come in fen.
pub const CURRENCY: &str = "CNY";

/// Why an order's payload could not become a canonical order.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NormalizeError(pub String);

/// The plain value when the platform sent one, else the ciphertext, marked.
fn plain_or_encrypted(plain: &Option<String>, encrypted: &Option<String>) -> Option<String> {
    plain.clone().or_else(|| encrypted.as_ref().map(|c| format!("{ENCRYPTED_PREFIX}{c}")))
}

/// Normalises one of `shop_order_list[]`: the shop order, with its sku orders as lines.
pub fn normalize(shop: &str, raw: &RawValue) -> Result<Order, NormalizeError> {
    let wire: DamaijiaShopOrder =
        read_raw(raw).map_err(|e| NormalizeError(format!("order does not match the document: {e}")))?;
    normalize_order(shop, wire, RawPayload::from(raw))
}

/// Normalises an order already read from `text`, its JSON in the answer
/// (serde_json parsed it into `wire`, so it is kept without a second check).
pub fn normalize_read(shop: &str, wire: DamaijiaShopOrder, text: &str) -> Result<Order, NormalizeError> {
    normalize_order(shop, wire, RawPayload::from_parsed(text))
}

fn normalize_order(shop: &str, wire: DamaijiaShopOrder, raw: RawPayload) -> Result<Order, NormalizeError> {
    let order_id = wire.order_id.clone().ok_or_else(|| NormalizeError("order has no order_id".into()))?;
    let paid = wire.pay_time.is_some();

    let code = wire.order_status.map(|s| s.to_string()).unwrap_or_default();
    let (mut status, fulfillment_status) = match wire.order_status {
        Some(1) => (OrderStatus::PendingPayment, FulfillmentStatus::Unfulfilled),
        Some(105) | Some(2) => (OrderStatus::AwaitingShipment, FulfillmentStatus::Unfulfilled),
        Some(101) => (OrderStatus::Shipped, FulfillmentStatus::Partial),
        Some(3) => (OrderStatus::Shipped, FulfillmentStatus::Fulfilled),
        Some(4) => (
            OrderStatus::Cancelled,
            if wire.ship_time.is_some() { FulfillmentStatus::Fulfilled } else { FulfillmentStatus::Unfulfilled },
        ),
        Some(5) => (OrderStatus::Completed, FulfillmentStatus::Fulfilled),
        _ => {
            warn_unknown_once("damaijia", "order_status", &code);
            let status = if paid { OrderStatus::AwaitingShipment } else { OrderStatus::PendingPayment };
            (status, FulfillmentStatus::Unfulfilled)
        }
    };
    // 103 部分支付: not fully paid yet.
    let partly_paid = wire.main_status == Some(103);
    if partly_paid {
        status = OrderStatus::PendingPayment;
    }

    let refunds: Vec<i64> = wire
        .sku_order_list
        .iter()
        .map(|s| s.after_sale_info.as_ref().and_then(|a| a.refund_status).unwrap_or(0))
        .collect();
    let refund_status = if wire.main_status == Some(21) || (!refunds.is_empty() && refunds.iter().all(|r| *r == 3)) {
        RefundStatus::Full
    } else if refunds.contains(&3) {
        RefundStatus::Partial
    } else if refunds.iter().any(|r| matches!(r, 1 | 2)) {
        RefundStatus::Requested
    } else {
        for other in refunds.iter().filter(|r| !matches!(r, 0 | 4)) {
            warn_unknown_once("damaijia", "after_sale_info.refund_status", &other.to_string());
        }
        RefundStatus::None
    };
    let payment_status = match (paid && !partly_paid, refund_status) {
        (false, _) => PaymentStatus::Unpaid,
        (true, RefundStatus::Full) => PaymentStatus::Refunded,
        (true, RefundStatus::Partial) => PaymentStatus::PartiallyRefunded,
        (true, _) => PaymentStatus::Paid,
    };
    if refund_status == RefundStatus::Full {
        status = OrderStatus::Cancelled;
    }

    let items = wire.sku_order_list.iter().enumerate().map(|(i, s)| line_item(i, s)).collect::<Result<Vec<_>, _>>()?;
    let subtotal = money_sum(&wire.sku_order_list.iter().map(|s| s.sum_amount).collect::<Vec<_>>());
    let shipping = with_scale(wire.post_amount.unwrap_or_default(), 2);
    let discount = with_scale(wire.promotion_amount.unwrap_or_default(), 2);
    let total = wire.order_amount.unwrap_or(subtotal + shipping - discount);
    let paid_amount = if payment_status == PaymentStatus::Unpaid {
        with_scale(Decimal::ZERO, 2)
    } else {
        wire.pay_amount.unwrap_or(total)
    };

    let address = wire.post_addr.unwrap_or_default();
    let region = |r: &Option<super::wire::DamaijiaRegion>| r.as_ref().and_then(|r| r.name.clone());
    let name = plain_or_encrypted(&wire.post_receiver, &wire.encrypt_post_receiver);
    let phone = plain_or_encrypted(&wire.post_tel, &wire.encrypt_post_tel);
    let shipments = wire
        .logistics_info
        .iter()
        .filter_map(|l| {
            Some(Shipment {
                tracking_number: l.tracking_no.clone()?,
                carrier_code: l.company.clone(),
                carrier_name: l.company_name.clone(),
                shipped_at: l.ship_time.or(wire.ship_time),
            })
        })
        .collect();
    let label = wire.order_status_desc.clone().unwrap_or_else(|| "unknown".into());
    Ok(Order {
        id: hub_id(super::PLATFORM, shop, &order_id),
        platform: super::PLATFORM,
        shop: shop.into(),
        order_number: order_id,
        platform_order_id: None,
        status,
        payment_status,
        fulfillment_status,
        refund_status,
        platform_status: PlatformStatus { code, label },
        currency: Some(CURRENCY.into()),
        subtotal,
        shipping,
        discount,
        total,
        paid: paid_amount,
        created_at: wire.create_time,
        updated_at: wire.update_time,
        paid_at: wire.pay_time,
        shipped_at: wire.ship_time,
        cancelled_at: None,
        completed_at: wire.finish_time,
        ship_by: None,
        customer: Customer { id: wire.doudian_open_id.clone(), name: name.clone(), email: None, phone: phone.clone() },
        shipping_address: Address {
            name,
            phone,
            company: None,
            country_code: Some("CN".into()),
            province: region(&address.province),
            city: region(&address.city),
            district: region(&address.town),
            address1: plain_or_encrypted(&address.detail, &address.encrypt_detail),
            address2: region(&address.street),
            postal_code: None,
        },
        items,
        shipments,
        role: super::ENTRY.role,
        links: Vec::new(),
        raw,
    })
}

fn line_item(index: usize, sku: &DamaijiaSkuOrder) -> Result<LineItem, NormalizeError> {
    let quantity = match sku.item_num {
        None => 1,
        Some(n) => u32::try_from(n).map_err(|_| NormalizeError(format!("sku_order_list[{index}].item_num is {n}")))?,
    };
    let unit_price = sku.origin_amount.unwrap_or_default();
    let variant: Vec<String> = sku
        .spec
        .iter()
        .filter_map(|s| match (&s.name, &s.value) {
            (Some(n), Some(v)) => Some(format!("{n}:{v}")),
            (None, Some(v)) => Some(v.clone()),
            _ => None,
        })
        .collect();
    Ok(LineItem {
        line_id: sku.order_id.clone().unwrap_or_else(|| (index + 1).to_string()),
        sku: sku.out_sku_id.clone().or_else(|| sku.code.clone()),
        product_id: sku.product_id_str.clone(),
        sku_id: sku.sku_id.clone(),
        title: sku.product_name.clone(),
        variant: (!variant.is_empty()).then(|| variant.join(";")),
        quantity,
        unit_price,
        total: sku.sum_amount.unwrap_or(unit_price * Decimal::from(quantity)),
        image_url: sku.product_pic.clone(),
    })
}
