//! Golden test: the document's example answer, verbatim.

use super::client::read_answer;
use super::*;
use crate::ErrorKind;
use crate::wire::read_raw;
use orderhub_model::{FulfillmentStatus, OrderStatus, PaymentStatus};

const SUCCESS: &str = include_str!("../../../../fixtures/vanmall/order-info-success.json");

#[test]
fn the_example_order_normalises_to_a_hand_checked_order() {
    let data = read_answer(200, SUCCESS.as_bytes()).unwrap().unwrap();
    let data: super::wire::VanmallOrderData = read_raw(&data).unwrap();
    let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let order = normalize("fecshop", &shanghai, &data.order_info.unwrap()).unwrap();
    let example: serde_json::Value = serde_json::from_str(SUCCESS).unwrap();
    assert_eq!(order.raw.to_value(), example["data"]["order_info"]);
    assert_eq!(order.id, "vanmall:fecshop:B203153596224752");
    assert_eq!(order.platform_order_id.as_deref(), Some("1422"));
    // order_status 2 open, payment_status 2 awaiting payment (cod), fulfillment 1 initial.
    assert_eq!(order.status, OrderStatus::PendingPayment);
    assert_eq!(order.payment_status, PaymentStatus::Unpaid);
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Unfulfilled);
    assert_eq!(order.platform_status.code, "2/2/1");
    assert_eq!(order.total.to_string(), "12.42");
    assert_eq!(order.paid.to_string(), "0.00");
    // "2023-02-03 17:09:19" in the shop's zone (China) = 09:09:19 UTC; 0 = never.
    assert_eq!(order.created_at.unwrap().to_string(), "2023-02-03T09:09:19Z");
    assert_eq!((order.paid_at, order.cancelled_at, order.shipped_at), (None, None, None));
    assert_eq!(order.shipping_address.name.as_deref(), Some("dfaffa Doe3"));
    assert_eq!(order.shipping_address.country_code.as_deref(), Some("CN"));
    assert_eq!(order.items[0].sku.as_deref(), Some("high-Dark Blue-1004665"));
    assert_eq!(order.items[0].sku_id.as_deref(), Some("1145"));
    let mut doc = serde_json::to_value(&order).unwrap();
    doc.as_object_mut().unwrap().shift_remove("raw");
    insta::assert_snapshot!("order_info_example", serde_json::to_string_pretty(&doc).unwrap());
}

#[test]
fn answers_are_classified() {
    assert!(read_answer(200, br#"{"code":404,"message":"order not found","data":[]}"#).unwrap().is_none());
    assert_eq!(read_answer(200, br#"{"code":401,"message":"x","data":[]}"#).unwrap_err().kind(), ErrorKind::Auth);
    assert_eq!(read_answer(502, b"").unwrap_err().kind(), ErrorKind::Transient);
}

#[test]
fn the_fixture_is_a_verbatim_copy_of_the_document() {
    let doc =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/platform-docs/vanmall-order-info.md");
    let Ok(doc) = std::fs::read_to_string(&doc) else {
        eprintln!("SKIPPED: {} is not beside this checkout", doc.display());
        return;
    };
    assert!(doc.contains(SUCCESS.trim_end()));
}
