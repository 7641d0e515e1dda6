//! Golden tests: the document's example answers, verbatim.

use super::client::read_answer;
use super::wire::WestmonthOrderPage;
use super::*;
use crate::ErrorKind;
use crate::wire::read_raw;
use orderhub_model::{OrderStatus, PaymentStatus};

const SUCCESS: &str = include_str!("../../../../fixtures/westmonth/status-success.json");
const ERROR: &str = include_str!("../../../../fixtures/westmonth/status-error.json");
const REQUEST: &str = include_str!("../../../../fixtures/westmonth/status-request.json");
const WINDOW_REQUEST: &str = include_str!("../../../../fixtures/westmonth/status-window-request.json");

#[test]
fn the_example_order_normalises_to_a_hand_checked_order() {
    let data = read_answer(200, SUCCESS.as_bytes()).unwrap();
    let page: WestmonthOrderPage = read_raw(&data).unwrap();
    assert_eq!(page.next_page_url, None);
    let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let order = normalize("westmoon", &shanghai, &page.data[0]).unwrap();
    let example: serde_json::Value = serde_json::from_str(SUCCESS).unwrap();
    assert_eq!(order.raw.to_value(), example["data"]["data"][0]);
    assert_eq!(order.id, "westmonth:westmoon:aOP2505071626702");
    assert_eq!(order.platform_order_id.as_deref(), Some("1841982"));
    assert_eq!(order.status, OrderStatus::PendingPayment);
    assert_eq!(order.payment_status, PaymentStatus::Unpaid);
    assert_eq!(order.paid_at, None, "pay_time on an unpaid order is not a payment");
    // 2025-05-07 16:13:53 China time = 08:13:53 UTC.
    assert_eq!(order.created_at.unwrap().to_string(), "2025-05-07T08:13:53Z");
    // ¥5.00 of goods + ¥40.00 freight = 45.00.
    assert_eq!((order.subtotal.to_string(), order.shipping.to_string()), ("5.00".into(), "40.00".into()));
    assert_eq!((order.total.to_string(), order.discount.to_string()), ("45.00".into(), "0.00".into()));
    assert_eq!(order.paid.to_string(), "0.00");
    assert_eq!(order.currency.as_deref(), Some("CNY"));
    assert_eq!(order.items[0].sku.as_deref(), Some("cbsft114yy02-一盒12pcs"));
    assert!(order.shipments.is_empty(), "shipment_no is empty");
    let mut doc = serde_json::to_value(&order).unwrap();
    doc.as_object_mut().unwrap().shift_remove("raw");
    insta::assert_snapshot!("status_example", serde_json::to_string_pretty(&doc).unwrap());
}

#[test]
fn the_error_example_is_an_auth_failure() {
    let err = read_answer(200, ERROR.as_bytes()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.to_string().contains("授权无效"), "{err}");
    assert_eq!(read_answer(200, br#"{"code":422,"msg":"bad"}"#).unwrap_err().kind(), ErrorKind::BadRequest);
    assert_eq!(read_answer(503, b"").unwrap_err().kind(), ErrorKind::Transient);
}

#[test]
fn fixtures_are_verbatim_copies_of_the_document() {
    let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/platform-docs/westmonth-order-status.md");
    let Ok(doc) = std::fs::read_to_string(&doc) else {
        eprintln!("SKIPPED: {} is not beside this checkout", doc.display());
        return;
    };
    for fixture in [SUCCESS, ERROR, REQUEST, WINDOW_REQUEST] {
        assert!(doc.contains(fixture.trim_end()), "not verbatim in the document:\n{fixture}");
    }
}
