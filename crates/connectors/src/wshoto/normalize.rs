//! Wshoto order → canonical order. Every rule is a row of `docs/platforms/wshoto.md`.

use super::wire::{WshotoOrder, WshotoOrderDetail};
use crate::wire::{money_sum, read_raw, warn_unknown_once, with_scale};
use orderhub_model::{
    Address, Customer, Decimal, FulfillmentStatus, LineItem, Order, OrderStatus, PaymentStatus, PlatformStatus,
    RawPayload, RefundStatus, Shipment, hub_id,
};
use serde_json::value::RawValue;

/// The document gives no currency; Wshoto's mall sells in yuan.
pub const CURRENCY: &str = "CNY";

/// Why an order's payload could not become a canonical order.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NormalizeError(pub String);

/// Normalises one of `data.records[]`.
pub fn normalize(shop: &str, raw: &RawValue) -> Result<Order, NormalizeError> {
    let wire: WshotoOrder =
        read_raw(raw).map_err(|e| NormalizeError(format!("order does not match the document: {e}")))?;
    normalize_order(shop, wire, RawPayload::from(raw))
}

/// Normalises an order already read from `text`, its JSON in the answer
/// (serde_json parsed it into `wire`, so it is kept without a second check).
pub fn normalize_read(shop: &str, wire: WshotoOrder, text: &str) -> Result<Order, NormalizeError> {
    normalize_order(shop, wire, RawPayload::from_parsed(text))
}

fn normalize_order(shop: &str, wire: WshotoOrder, raw: RawPayload) -> Result<Order, NormalizeError> {
    let order_number = wire.order_code.clone().ok_or_else(|| NormalizeError("order has no order_code".into()))?;
    let code = wire.status.map(|s| s.to_string()).unwrap_or_default();
    let (mut status, fulfillment_status, label) = match wire.status {
        Some(0) => (OrderStatus::PendingPayment, FulfillmentStatus::Unfulfilled, "待付款"),
        Some(1) => (OrderStatus::AwaitingShipment, FulfillmentStatus::Unfulfilled, "待确认"),
        Some(2) => (OrderStatus::AwaitingShipment, FulfillmentStatus::Unfulfilled, "待发货"),
        Some(3) => (OrderStatus::Shipped, FulfillmentStatus::Fulfilled, "待收货"),
        Some(4) => (OrderStatus::Completed, FulfillmentStatus::Fulfilled, "已完成"),
        Some(5) => (OrderStatus::Cancelled, FulfillmentStatus::Unfulfilled, "已关闭"),
        _ => {
            warn_unknown_once("wshoto", "status", &code);
            let status =
                if wire.pay_status == Some(1) { OrderStatus::AwaitingShipment } else { OrderStatus::PendingPayment };
            (status, FulfillmentStatus::Unfulfilled, "unknown")
        }
    };
    let fulfillment_status = if wire.send_time.is_some() && status == OrderStatus::Cancelled {
        FulfillmentStatus::Fulfilled
    } else {
        fulfillment_status
    };
    let refunded_and_closed = matches!(wire.order_status_tag, Some(3) | Some(8));
    let refund_status = match (wire.refund_status, refunded_and_closed) {
        (_, true) => RefundStatus::Full,
        (None | Some(0), false) => RefundStatus::None,
        (Some(1), false) => RefundStatus::Requested,
        // After-sale over and the order not closed by a refund: nothing says money went back.
        (Some(2), false) => RefundStatus::None,
        (Some(other), false) => {
            warn_unknown_once("wshoto", "refund_status", &other.to_string());
            RefundStatus::Requested
        }
    };
    let payment_status = match (wire.pay_status, refund_status) {
        (_, RefundStatus::Full) => PaymentStatus::Refunded,
        (Some(1), _) => PaymentStatus::Paid,
        (None | Some(0), _) => PaymentStatus::Unpaid,
        (Some(other), _) => {
            warn_unknown_once("wshoto", "pay_status", &other.to_string());
            PaymentStatus::Unpaid
        }
    };
    if refund_status == RefundStatus::Full {
        status = OrderStatus::Cancelled;
    }

    let items = wire.detail_list.iter().enumerate().map(|(i, d)| line_item(i, d)).collect::<Result<Vec<_>, _>>()?;
    let subtotal = wire.detail_list.iter().filter_map(|d| d.total_price).sum::<Decimal>();
    let subtotal = if wire.detail_list.iter().all(|d| d.total_price.is_some()) && !items.is_empty() {
        subtotal
    } else {
        items.iter().map(|i| i.unit_price * Decimal::from(i.quantity)).sum()
    };
    let shipping = wire.freight_price.unwrap_or_default();
    let discount = money_sum(&[wire.coupon_price]);
    let total = wire.total_price.unwrap_or(subtotal + shipping - discount);
    let paid = match payment_status {
        PaymentStatus::Unpaid => with_scale(Decimal::ZERO, total.scale()),
        _ => wire.pay_price.unwrap_or(total),
    };
    let address = wire.order_address_info.as_ref();
    let shipments = wire
        .express_no
        .iter()
        .map(|no| Shipment {
            tracking_number: no.clone(),
            carrier_code: None,
            carrier_name: wire.express_name.clone(),
            shipped_at: wire.send_time,
        })
        .collect();
    Ok(Order {
        id: hub_id(super::PLATFORM, shop, &order_number),
        platform: super::PLATFORM,
        shop: shop.into(),
        order_number,
        platform_order_id: None,
        status,
        payment_status,
        fulfillment_status,
        refund_status,
        platform_status: PlatformStatus { code, label: label.into() },
        currency: Some(CURRENCY.into()),
        subtotal,
        shipping,
        discount,
        total,
        paid,
        created_at: wire.create_time,
        updated_at: wire.update_time,
        paid_at: wire.pay_time,
        shipped_at: wire.send_time,
        cancelled_at: if status == OrderStatus::Cancelled { wire.close_time } else { None },
        completed_at: wire.finish_time,
        ship_by: None,
        customer: Customer {
            id: wire.customer_id.clone(),
            name: wire.buyer_nick.clone().or_else(|| address.and_then(|a| a.name.clone())),
            email: None,
            phone: address.and_then(|a| a.mobile.clone()),
        },
        shipping_address: Address {
            name: address.and_then(|a| a.name.clone()),
            phone: address.and_then(|a| a.mobile.clone()),
            company: None,
            country_code: None,
            province: address.and_then(|a| a.province.clone()),
            city: address.and_then(|a| a.city.clone()),
            district: address.and_then(|a| a.district.clone()),
            address1: address.and_then(|a| a.address.clone()),
            address2: None,
            postal_code: None,
        },
        items,
        shipments,
        role: super::ENTRY.role,
        links: Vec::new(),
        raw,
    })
}

fn line_item(index: usize, detail: &WshotoOrderDetail) -> Result<LineItem, NormalizeError> {
    let quantity = match detail.goods_num {
        None => 1,
        Some(n) => u32::try_from(n).map_err(|_| NormalizeError(format!("detail_list[{index}].goods_num is {n}")))?,
    };
    let unit_price = detail.goods_price.unwrap_or_default();
    let gross = detail.total_price.unwrap_or(unit_price * Decimal::from(quantity));
    Ok(LineItem {
        line_id: detail.order_detail_id.clone().unwrap_or_else(|| (index + 1).to_string()),
        sku: detail.sku_no.clone(),
        product_id: detail.spu_id.clone(),
        sku_id: detail.sku_id.clone(),
        title: detail.goods_name.clone(),
        variant: detail.spec_desc.clone(),
        quantity,
        unit_price,
        total: gross - detail.coupon_price.unwrap_or_default(),
        image_url: detail.thumbnail.clone(),
    })
}
