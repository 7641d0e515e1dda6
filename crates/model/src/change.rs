//! What changed between two versions of one order: the content of an order event.

use crate::Order;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One field of the canonical order that differs between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// The canonical field name (`status`, `total`, `shipments`, ...), or `raw` when
    /// only the platform payload changed in fields the mapping does not use.
    pub field: String,
    /// The old value; `null` for `raw`, which is not copied into events.
    pub from: Value,
    /// The new value; `null` for `raw`.
    pub to: Value,
}

/// Every canonical field that differs between `old` and `new`, in contract order.
///
/// An empty result means the order did not change at all, payload included, so
/// the store writes no event. `raw` is reported only by name: the full payload is
/// on the order itself, and copying it into every event would double the store.
pub fn diff(old: &Order, new: &Order) -> Vec<Change> {
    let (Value::Object(old_doc), Value::Object(new_doc)) = (to_value(old), to_value(new)) else {
        unreachable!("an Order always serialises to a JSON object");
    };
    let mut changes = Vec::new();
    for (field, new_value) in &new_doc {
        let old_value = old_doc.get(field).unwrap_or(&Value::Null);
        if old_value == new_value {
            continue;
        }
        if field == "raw" {
            changes.push(Change { field: field.clone(), from: Value::Null, to: Value::Null });
        } else {
            changes.push(Change { field: field.clone(), from: old_value.clone(), to: new_value.clone() });
        }
    }
    changes
}

fn to_value(order: &Order) -> Value {
    serde_json::to_value(order).expect("an Order always serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;

    pub(crate) fn sample() -> Order {
        Order {
            id: hub_id(Platform::new("shoptima"), "belment", "A-1"),
            platform: Platform::new("shoptima"),
            shop: "belment".into(),
            order_number: "A-1".into(),
            platform_order_id: None,
            status: OrderStatus::AwaitingShipment,
            payment_status: PaymentStatus::Paid,
            fulfillment_status: FulfillmentStatus::Unfulfilled,
            refund_status: RefundStatus::None,
            platform_status: PlatformStatus { code: "1".into(), label: "成功支付".into() },
            currency: Some("USD".into()),
            subtotal: "16.55".parse().unwrap(),
            shipping: "5.99".parse().unwrap(),
            discount: Decimal::ZERO,
            total: "22.54".parse().unwrap(),
            paid: "22.54".parse().unwrap(),
            created_at: Some("2020-05-21T17:18:50Z".parse().unwrap()),
            updated_at: None,
            paid_at: None,
            shipped_at: None,
            cancelled_at: None,
            completed_at: None,
            ship_by: None,
            customer: Customer::default(),
            shipping_address: Address::default(),
            items: vec![],
            shipments: vec![],
            role: crate::Role::Sale,
            links: Vec::new(),
            raw: serde_json::json!({"order_num": "A-1", "remind_payment": 0}).into(),
        }
    }

    #[test]
    fn identical_orders_have_no_changes() {
        assert!(diff(&sample(), &sample()).is_empty());
    }

    #[test]
    fn status_and_shipments_are_reported_with_values() {
        let old = sample();
        let mut new = sample();
        new.status = OrderStatus::Shipped;
        new.shipments.push(Shipment {
            tracking_number: "T1".into(),
            carrier_code: Some("SF".into()),
            carrier_name: None,
            shipped_at: None,
        });
        let changes = diff(&old, &new);
        let fields: Vec<_> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["status", "shipments"]);
        assert_eq!(changes[0].from, "awaiting_shipment");
        assert_eq!(changes[0].to, "shipped");
    }

    #[test]
    fn raw_only_change_is_named_without_copying_the_payload() {
        let old = sample();
        let mut new = sample();
        new.raw = serde_json::json!({"order_num": "A-1", "remind_payment": 1}).into();
        let changes = diff(&old, &new);
        assert_eq!(changes, vec![Change { field: "raw".into(), from: Value::Null, to: Value::Null }]);
    }

    #[test]
    fn money_and_times_serialise_in_contract_formats() {
        let doc = serde_json::to_value(sample()).unwrap();
        assert_eq!(doc["total"], "22.54");
        assert_eq!(doc["discount"], "0");
        assert_eq!(doc["created_at"], "2020-05-21T17:18:50Z");
        assert_eq!(doc["refund_status"], "none");
        assert_eq!(doc["platform"], "shoptima");
        assert_eq!(doc["updated_at"], Value::Null);
    }
}
