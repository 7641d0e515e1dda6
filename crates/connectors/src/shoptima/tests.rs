//! Golden tests: the document's own examples, verbatim, through the client's
//! envelope reader and the normaliser.

use super::client::{read_page, ship_outcomes};
use super::wire::{ShoptimaOrderPage, ShoptimaShipAnswer};
use super::*;
use crate::http::HttpAnswer;
use crate::json_walk::Listed;
use crate::wire::{parse_json_lenient, read_raw};
use crate::{ConnectorError, ErrorKind, ShipmentRequest};
use orderhub_model::{Order, OrderStatus, PaymentStatus, RefundStatus};
use serde_json::Value;

const LIST_SUCCESS: &str = include_str!("../../../../fixtures/shoptima/list-success.json");
const LIST_ERROR: &str = include_str!("../../../../fixtures/shoptima/list-error.json");
const DETAIL_SUCCESS: &str = include_str!("../../../../fixtures/shoptima/detail-success.json");
const DETAIL_ERROR: &str = include_str!("../../../../fixtures/shoptima/detail-error.json");
const SHIP_SUCCESS: &str = include_str!("../../../../fixtures/shoptima/ship-success.json");
const SHIP_ERROR: &str = include_str!("../../../../fixtures/shoptima/ship-error.json");

fn answer(status: u16, body: &str) -> HttpAnswer {
    HttpAnswer { status, body: body.as_bytes().to_vec() }
}

fn list_example_orders() -> Vec<(Value, Order)> {
    let data = read_envelope("GET /order", &answer(200, LIST_SUCCESS)).unwrap();
    let page: ShoptimaOrderPage = read_raw(&data).unwrap();
    assert_eq!((page.current_page, page.last_page, page.total), (Some(1), Some(1), Some(3)));
    page.data.iter().map(|raw| (read_raw(raw).unwrap(), normalize("belment", raw).unwrap())).collect()
}

/// The canonical order without `raw`, which is checked separately for identity.
fn canonical(order: &Order) -> Value {
    let mut doc = serde_json::to_value(order).unwrap();
    doc.as_object_mut().unwrap().remove("raw");
    doc
}

use super::client::read_envelope;

/// insta's own JSON writer cannot print `arbitrary_precision` numbers, so the
/// snapshot is serde_json's text.
fn pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap()
}

#[test]
fn list_example_normalises_to_hand_checked_orders() {
    let orders = list_example_orders();
    assert_eq!(orders.len(), 3);
    for (raw, order) in &orders {
        assert_eq!(&order.raw.to_value(), raw, "raw payload is kept verbatim");
    }
    let (_, first) = &orders[0];
    // Hand-checked against the document: paid, not shipped, USD 16.55 goods + 5.99
    // shipping; the example's own "total" is "0.00", so the total is computed.
    assert_eq!(first.id, "shoptima:belment:asda-20200521-004");
    assert_eq!(first.status, OrderStatus::AwaitingShipment);
    assert_eq!(first.payment_status, PaymentStatus::Paid);
    assert_eq!(first.refund_status, RefundStatus::None);
    assert_eq!(first.subtotal.to_string(), "16.55");
    assert_eq!(first.shipping.to_string(), "5.99");
    assert_eq!(first.total.to_string(), "22.54");
    assert_eq!(first.paid.to_string(), "22.54");
    // 1590081530 = 2020-05-21 17:18:50 UTC; 1590081771 = 17:22:51 UTC.
    assert_eq!(first.created_at.unwrap().to_string(), "2020-05-21T17:18:50Z");
    assert_eq!(first.paid_at.unwrap().to_string(), "2020-05-21T17:22:51Z");
    assert_eq!(first.updated_at, first.paid_at);
    assert_eq!(first.items[0].sku.as_deref(), Some("10000007559556972"));
    assert_eq!(first.shipping_address.country_code.as_deref(), Some("HK"));
    // The third order states its total: 16.55 + 5.99 = 22.54.
    assert_eq!(orders[2].1.total.to_string(), "22.54");
    // The second has free shipping.
    assert_eq!(orders[1].1.total.to_string(), "27.90");
    let docs: Vec<Value> = orders.iter().map(|(_, o)| canonical(o)).collect();
    insta::assert_snapshot!("list_example", pretty(&docs));
}

#[test]
fn detail_example_normalises_an_unpaid_two_line_order() {
    let raw = read_envelope("GET /order/{order_num}/detail", &answer(200, DETAIL_SUCCESS)).unwrap();
    let order = normalize("belment", &raw).unwrap();
    let example: Value = serde_json::from_str(DETAIL_SUCCESS).unwrap();
    assert_eq!(order.raw.to_value(), example["data"]);
    assert_eq!(order.status, OrderStatus::PendingPayment);
    assert_eq!(order.payment_status, PaymentStatus::Unpaid);
    assert_eq!(order.paid.to_string(), "0.00");
    assert_eq!(order.currency, None);
    assert_eq!(order.items.len(), 2);
    assert_eq!(order.subtotal.to_string(), "73.90");
    assert_eq!(order.items.iter().map(|i| i.total).sum::<orderhub_model::Decimal>().to_string(), "73.90");
    assert_eq!(order.shipped_at, None, "fahuo_time: null");
    insta::assert_snapshot!("detail_example", pretty(&canonical(&order)));
}

#[test]
fn error_examples_are_classified() {
    let err = read_envelope("GET /order", &answer(200, LIST_ERROR)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient);
    assert!(err.to_string().contains("服务器错误"), "{err}");
    match read_envelope("GET /order/{order_num}/detail", &answer(200, DETAIL_ERROR)).unwrap_err() {
        ConnectorError::Platform { code, .. } => assert_eq!(code, "401"),
        other => panic!("expected a platform error, got {other:?}"),
    }
    let err = read_envelope("POST /order/shippingOrders", &answer(200, SHIP_ERROR)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadRequest);
    let err = read_envelope("GET /order", &answer(401, r#"{"message":"Unauthenticated."}"#)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    let err = read_envelope("GET /order", &answer(200, r#"{"status":"success","code":200,"data":{"da"#)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
}

#[test]
fn ship_example_with_its_trailing_commas_is_read_order_by_order() {
    assert!(serde_json::from_str::<Value>(SHIP_SUCCESS).is_err(), "the document's example is not strict JSON");
    let data = read_envelope("POST /order/shippingOrders", &answer(200, SHIP_SUCCESS)).unwrap();
    let answer: ShoptimaShipAnswer = read_raw(&data).unwrap();
    let request =
        |n: &str| ShipmentRequest { order_number: n.into(), tracking_number: "T".into(), carrier_code: "SF".into() };
    let outcomes = ship_outcomes(&[request("asda-20200519-00sdf3"), request("asda-20200519-004")], &answer);
    assert!(outcomes[0].accepted, "listed under success");
    assert_eq!(outcomes[0].code, "200");
    assert!(!outcomes[1].accepted, "not mentioned at all");
    assert!(parse_json_lenient(SHIP_SUCCESS.as_bytes()).is_ok());
}

#[test]
fn fixtures_are_verbatim_copies_of_the_document() {
    let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/platform-docs/shoptima-orders.md");
    let Ok(doc) = std::fs::read_to_string(&doc) else {
        eprintln!("SKIPPED: {} is not beside this checkout", doc.display());
        return;
    };
    for fixture in [LIST_SUCCESS, LIST_ERROR, DETAIL_SUCCESS, DETAIL_ERROR, SHIP_SUCCESS, SHIP_ERROR] {
        assert!(doc.contains(fixture.trim_end()), "fixture not found verbatim in the document:\n{fixture}");
    }
}

/// A page read by `read_page`: whether it was walked (not read the ordinary
/// way), its paginator's numbers, and each order normalised (or why not).
type PageRead = (bool, (Option<i64>, Option<i64>, Option<i64>), Vec<Result<Order, String>>);

fn read_list_page(body: &str) -> Result<PageRead, ConnectorError> {
    let answer = answer(200, body);
    let mut fallback = None;
    let page = read_page("GET /order", &answer, &mut fallback)?;
    let numbers = (page.current_page, page.last_page, page.total);
    let orders = page
        .orders
        .into_iter()
        .map(|listed| match listed {
            Listed::Read(order, text) => normalize::normalize_read("belment", order, text),
            Listed::Unread(raw) => normalize("belment", raw),
        })
        .map(|order| order.map_err(|e| e.to_string()))
        .collect();
    Ok((fallback.is_none(), numbers, orders))
}

/// The example page is walked, each order read straight from the answer,
/// and gives the orders the ordinary reading gives; a comma before its last
/// `}` only the ordinary reading takes, with the same orders; an order that
/// does not match the document is a bad order, with the reason it has alone.
#[test]
fn a_list_page_is_walked_to_the_orders_the_ordinary_reading_gives() {
    let expected: Vec<Result<Order, String>> = list_example_orders().into_iter().map(|(_, o)| Ok(o)).collect();
    let numbers = (Some(1), Some(1), Some(3));
    assert_eq!(read_list_page(LIST_SUCCESS).unwrap(), (true, numbers, expected.clone()));
    let comma = format!("{},}}", LIST_SUCCESS.trim_end().strip_suffix('}').unwrap());
    assert_eq!(read_list_page(&comma).unwrap(), (false, numbers, expected.clone()));

    let example: Value = serde_json::from_str(LIST_SUCCESS).unwrap();
    let good = example["data"]["data"][0].to_string();
    let bad = good.replace(r#""order_price":"16.55""#, r#""order_price":"sixteen""#);
    assert_ne!(good, bad);
    let body = format!(r#"{{"status":"success","data":{{"last_page":1,"data":[{good},{bad}]}}}}"#);
    let (walked, _, orders) = read_list_page(&body).unwrap();
    assert!(walked);
    assert_eq!(orders[0], expected[0]);
    let alone = normalize("belment", &serde_json::from_str::<Box<serde_json::value::RawValue>>(&bad).unwrap());
    assert_eq!(orders[1], Err(alone.unwrap_err().to_string()));
    assert!(orders[1].as_ref().unwrap_err().contains("sixteen"), "{:?}", orders[1]);

    // Without its list, the ordinary reading says what is wrong, as it did before.
    let err = read_list_page(r#"{"status":"success","data":{"total":0}}"#).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
    assert_eq!(read_list_page(LIST_ERROR).unwrap_err().kind(), ErrorKind::Transient);
}
