//! Golden tests: the document's example answer, verbatim.

use super::client::{read_answer, read_page};
use super::wire::WshotoOrderPage;
use super::*;
use crate::ErrorKind;
use crate::json_walk::Listed;
use crate::wire::read_raw;
use orderhub_model::{Order, OrderStatus, PaymentStatus, RefundStatus};
use serde_json::Value;

const LIST_SUCCESS: &str = include_str!("../../../../fixtures/wshoto/list-success.json");
const LIST_REQUEST: &str = include_str!("../../../../fixtures/wshoto/list-request.json");

fn pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap()
}

fn example_orders() -> Vec<(Value, Order)> {
    let data = read_answer(200, LIST_SUCCESS.as_bytes()).unwrap();
    let page: WshotoOrderPage = read_raw(&data).unwrap();
    assert_eq!(page.total, Some(5));
    let example: Value = serde_json::from_str(LIST_SUCCESS).unwrap();
    let records = example["data"]["records"].as_array().unwrap().clone();
    records.into_iter().zip(&page.records).map(|(verbatim, raw)| (verbatim, normalize("mall", raw).unwrap())).collect()
}

#[test]
fn list_example_normalises_to_hand_checked_orders() {
    let orders = example_orders();
    assert_eq!(orders.len(), 2);
    let (raw, first) = &orders[0];
    assert_eq!(&first.raw.to_value(), raw);
    assert_eq!(first.id, "wshoto:mall:1821092913377060002");
    // status 2 待发货, pay_status 1: paid, waiting to be shipped.
    assert_eq!(first.status, OrderStatus::AwaitingShipment);
    assert_eq!(first.payment_status, PaymentStatus::Paid);
    assert_eq!(first.refund_status, RefundStatus::None);
    // 6.00 arrives as a JSON number and keeps its text.
    assert_eq!(first.total.to_string(), "6.00");
    assert_eq!(first.paid.to_string(), "6.00");
    assert_eq!(first.shipping.to_string(), "0.00");
    // 1632893852 = 2021-09-29 05:37:32 UTC; update 1632893863 = 05:37:43.
    assert_eq!(first.created_at.unwrap().to_string(), "2021-09-29T05:37:32Z");
    assert_eq!(first.updated_at.unwrap().to_string(), "2021-09-29T05:37:43Z");
    assert_eq!(first.cancelled_at, None, "close_time on an open order is a deadline, not a cancellation");
    // sku_id 1432523873634512903 > 2^53: every digit kept.
    assert_eq!(first.items[0].sku_id.as_deref(), Some("1432523873634512903"));
    assert_eq!(first.items[0].product_id.as_deref(), Some("1432523870895632386"));
    assert_eq!(first.items[0].line_id, "1");
    assert_eq!(first.shipping_address.phone.as_deref(), Some("13255815771"));
    let docs: Vec<Value> = orders
        .iter()
        .map(|(_, o)| {
            let mut doc = serde_json::to_value(o).unwrap();
            doc.as_object_mut().unwrap().shift_remove("raw");
            doc
        })
        .collect();
    insta::assert_snapshot!("list_example", pretty(&docs));
}

#[test]
fn errors_are_classified() {
    let auth = read_answer(200, br#"{"code":40014,"msg":"invalid access_token"}"#).unwrap_err();
    assert_eq!(auth.kind(), ErrorKind::Auth);
    let busy = read_answer(200, br#"{"code":-1,"msg":"system busy"}"#).unwrap_err();
    assert_eq!(busy.kind(), ErrorKind::Transient);
    let bad = read_answer(200, r#"{"code":40035,"msg":"不合法的参数"}"#.as_bytes()).unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::BadRequest);
    assert_eq!(read_answer(502, b"").unwrap_err().kind(), ErrorKind::Transient);
    assert_eq!(read_answer(200, br#"{"code":0,"data":{"tot"#).unwrap_err().kind(), ErrorKind::Malformed);
}

#[test]
fn fixtures_are_verbatim_copies_of_the_document() {
    let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/platform-docs/wshoto-mall-order-list.md");
    let Ok(doc) = std::fs::read_to_string(&doc) else {
        eprintln!("SKIPPED: {} is not beside this checkout", doc.display());
        return;
    };
    for fixture in [LIST_SUCCESS, LIST_REQUEST] {
        assert!(doc.contains(fixture.trim_end()), "not verbatim in the document:\n{fixture}");
    }
}

/// A page read by `read_page`: whether it was walked (not read the ordinary
/// way), its total, and each order normalised (or why not).
type PageRead = (bool, Option<i64>, Vec<Result<Order, String>>);

fn read_list_page(body: &str) -> Result<PageRead, crate::ConnectorError> {
    let mut fallback = None;
    let page = read_page(200, body.as_bytes(), &mut fallback)?;
    let total = page.total;
    let orders = page
        .orders
        .into_iter()
        .map(|listed| match listed {
            Listed::Read(order, text) => normalize::normalize_read("mall", order, text),
            Listed::Unread(raw) => normalize("mall", raw),
        })
        .map(|order| order.map_err(|e| e.to_string()))
        .collect();
    Ok((fallback.is_none(), total, orders))
}

/// The example page is walked, each order read straight from the answer,
/// and gives the orders the ordinary reading gives; a comma before its last
/// `}` only the ordinary reading takes, with the same orders; an order that
/// does not match the document is a bad order, with the reason it has alone.
#[test]
fn a_list_page_is_walked_to_the_orders_the_ordinary_reading_gives() {
    let expected: Vec<Result<Order, String>> = example_orders().into_iter().map(|(_, o)| Ok(o)).collect();
    assert_eq!(read_list_page(LIST_SUCCESS).unwrap(), (true, Some(5), expected.clone()));
    let comma = format!("{},}}", LIST_SUCCESS.trim_end().strip_suffix('}').unwrap());
    assert_eq!(read_list_page(&comma).unwrap(), (false, Some(5), expected.clone()));

    let example: Value = serde_json::from_str(LIST_SUCCESS).unwrap();
    let good = example["data"]["records"][0].to_string();
    let bad = good.replacen(r#""status":"#, r#""status":"two","was":"#, 1);
    assert_ne!(good, bad);
    let body = format!(r#"{{"code":0,"data":{{"total":2,"records":[{good},{bad}]}}}}"#);
    let (walked, _, orders) = read_list_page(&body).unwrap();
    assert!(walked);
    assert_eq!(orders[0], expected[0]);
    let alone = normalize("mall", &serde_json::from_str::<Box<serde_json::value::RawValue>>(&bad).unwrap());
    assert_eq!(orders[1], Err(alone.unwrap_err().to_string()));
    assert!(orders[1].as_ref().unwrap_err().contains("two"), "{:?}", orders[1]);

    // No list: none, as the ordinary reading has always read it.
    assert_eq!(read_list_page(r#"{"code":0,"data":{"total":0}}"#).unwrap(), (false, Some(0), vec![]));
    let refused = read_list_page(r#"{"code":40014,"msg":"invalid access_token"}"#).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Auth);
}
