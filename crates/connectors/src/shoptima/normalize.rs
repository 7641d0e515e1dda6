//! Shoptima order → canonical order. Every rule here is a row of
//! `docs/platforms/shoptima.md`; change both together.

use super::wire::{ShoptimaOrder, ShoptimaOrderGoods};
use crate::wire::{money_sum, read_raw, warn_unknown_once, with_scale};
use orderhub_model::{
    Address, Customer, Decimal, FulfillmentStatus, LineItem, Order, OrderStatus, PaymentStatus, PlatformStatus,
    RawPayload, RefundStatus, Shipment, hub_id,
};
use serde_json::value::RawValue;

/// Why an order's payload could not become a canonical order.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NormalizeError(pub String);

/// Normalises one order as the list or the detail endpoint sends it.
pub fn normalize(shop: &str, raw: &RawValue) -> Result<Order, NormalizeError> {
    let wire: ShoptimaOrder =
        read_raw(raw).map_err(|e| NormalizeError(format!("order does not match the document: {e}")))?;
    normalize_order(shop, wire, RawPayload::from(raw))
}

/// Normalises an order already read from `text`, its JSON in the answer
/// (serde_json parsed it into `wire`, so it is kept without a second check).
pub fn normalize_read(shop: &str, wire: ShoptimaOrder, text: &str) -> Result<Order, NormalizeError> {
    normalize_order(shop, wire, RawPayload::from_parsed(text))
}

fn normalize_order(shop: &str, wire: ShoptimaOrder, raw: RawPayload) -> Result<Order, NormalizeError> {
    let order_number = wire.order_num.clone().ok_or_else(|| NormalizeError("order has no order_num".into()))?;

    let shipped_at = wire.shipping_time.or(wire.fahuo_time);
    let (mut status, mut payment_status, fulfillment_status, platform_status) = map_status(&wire);
    let refund_status = map_refund(&wire);
    match refund_status {
        RefundStatus::Partial => payment_status = PaymentStatus::PartiallyRefunded,
        RefundStatus::Full => {
            payment_status = PaymentStatus::Refunded;
            status = OrderStatus::Cancelled;
        }
        RefundStatus::None | RefundStatus::Requested => {}
    }

    let items = wire
        .order_goods
        .iter()
        .enumerate()
        .map(|(index, goods)| line_item(index, goods))
        .collect::<Result<Vec<_>, _>>()?;
    let subtotal = wire.order_price.unwrap_or_else(|| items.iter().map(|i| i.total).sum());
    let shipping = wire.shipping_money.unwrap_or_default();
    let discount = money_sum(&[wire.off_price, wire.coupons_discount_price]);
    let total = match wire.total {
        Some(total) if total > Decimal::ZERO => total,
        _ => subtotal + shipping - discount,
    };
    let paid = if payment_status == PaymentStatus::Unpaid { with_scale(Decimal::ZERO, total.scale()) } else { total };

    let name = wire.full_name.clone().or_else(|| join_name(&wire.first_name, &wire.last_name));
    let shipments = wire
        .tracking_number
        .iter()
        .map(|tracking| Shipment {
            tracking_number: tracking.clone(),
            carrier_code: wire.shipping_channel_code.clone(),
            carrier_name: None,
            shipped_at,
        })
        .collect();
    let updated_at = [wire.order_time, wire.pay_time, shipped_at].into_iter().flatten().max();

    Ok(Order {
        id: hub_id(super::PLATFORM, shop, &order_number),
        platform: super::PLATFORM,
        shop: shop.to_string(),
        order_number,
        platform_order_id: None,
        status,
        payment_status,
        fulfillment_status,
        refund_status,
        platform_status,
        currency: wire.currency.as_deref().map(|c| c.trim().to_ascii_uppercase()),
        subtotal,
        shipping,
        discount,
        total,
        paid,
        created_at: wire.order_time,
        updated_at,
        paid_at: wire.pay_time,
        shipped_at,
        cancelled_at: None,
        completed_at: None,
        ship_by: None,
        customer: Customer { id: None, name: name.clone(), email: wire.email.clone(), phone: wire.phone.clone() },
        shipping_address: Address {
            name,
            phone: wire.phone.clone(),
            company: wire.company.clone(),
            country_code: wire.country.as_deref().map(|c| c.trim().to_ascii_uppercase()),
            province: wire.province.clone(),
            city: wire.city.clone(),
            district: wire.district.clone().or_else(|| wire.area.clone()),
            address1: wire.address.clone(),
            address2: wire.address2.clone(),
            postal_code: wire.postcode.clone(),
        },
        items,
        shipments,
        role: super::ENTRY.role,
        links: Vec::new(),
        raw,
    })
}

/// `status` → (order, payment, fulfilment, platform status). An unknown code is
/// kept verbatim and read by whether the order has a pay time.
fn map_status(wire: &ShoptimaOrder) -> (OrderStatus, PaymentStatus, FulfillmentStatus, PlatformStatus) {
    use FulfillmentStatus as F;
    use OrderStatus as O;
    use PaymentStatus as P;
    let code = wire.status.clone().unwrap_or_default();
    let (status, payment, fulfillment, label) = match code.as_str() {
        "0" => (O::PendingPayment, P::Unpaid, F::Unfulfilled, "未支付"),
        "1" => (O::AwaitingShipment, P::Paid, F::Unfulfilled, "成功支付"),
        "2" => (O::Shipped, P::Paid, F::Fulfilled, "已经发货"),
        "3" => (O::AwaitingShipment, P::Paid, F::Unfulfilled, "已经预报"),
        _ => {
            warn_unknown_once("shoptima", "status", &code);
            if wire.pay_time.is_some() {
                (O::AwaitingShipment, P::Paid, F::Unfulfilled, "unknown")
            } else {
                (O::PendingPayment, P::Unpaid, F::Unfulfilled, "unknown")
            }
        }
    };
    (status, payment, fulfillment, PlatformStatus { code, label: label.to_string() })
}

/// `is_refund` + `refund_type` → refund status.
fn map_refund(wire: &ShoptimaOrder) -> RefundStatus {
    match (wire.is_refund.unwrap_or(0), wire.refund_type.unwrap_or(0)) {
        (_, 1) => RefundStatus::Requested,
        (_, 2) => RefundStatus::Partial,
        (_, 3) => RefundStatus::Full,
        (0, 0) => RefundStatus::None,
        (1, 0) => RefundStatus::Requested,
        (is_refund, refund_type) => {
            warn_unknown_once("shoptima", "is_refund/refund_type", &format!("{is_refund}/{refund_type}"));
            RefundStatus::Requested
        }
    }
}

fn line_item(index: usize, goods: &ShoptimaOrderGoods) -> Result<LineItem, NormalizeError> {
    let quantity = match goods.count {
        None => 1,
        Some(count) => u32::try_from(count)
            .map_err(|_| NormalizeError(format!("order_goods[{index}].count is {count}, not a quantity")))?,
    };
    let unit_price = goods.price.unwrap_or_default();
    Ok(LineItem {
        line_id: (index + 1).to_string(),
        sku: goods.sku.clone(),
        product_id: None,
        sku_id: None,
        title: goods.goods_title.clone(),
        variant: goods.choose_spec.clone(),
        quantity,
        unit_price,
        total: unit_price * Decimal::from(quantity),
        image_url: goods.mask.clone(),
    })
}

fn join_name(first: &Option<String>, last: &Option<String>) -> Option<String> {
    match (first, last) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (None, None) => None,
    }
}
