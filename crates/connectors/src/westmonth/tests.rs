//! Golden tests: the document's example answers, verbatim.

use super::client::{read_answer, read_page};
use super::wire::WestmonthOrderPage;
use super::*;
use crate::ErrorKind;
use crate::json_walk::Listed;
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
    assert_eq!(order.role, orderhub_model::Role::Purchase, "Westmonth is the seller's supplier");
    assert_eq!(
        order.links,
        [orderhub_model::OrderLink {
            relation: orderhub_model::LinkRelation::Fulfils,
            order_number: "576722608781890541".into(),
            order_id: None,
        }],
        "seller_order_no names the shop order it fulfils, unresolved until the hub finds it"
    );
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

/// A page read by `read_page`: whether it was walked (not read the ordinary
/// way), whether another page follows, and each order normalised (or why not).
type PageRead = (bool, Option<String>, Vec<Result<orderhub_model::Order, String>>);

fn read_status_page(body: &str) -> Result<PageRead, crate::ConnectorError> {
    let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let mut fallback = None;
    let page = read_page(200, body.as_bytes(), &mut fallback)?;
    let next = page.next_page_url.clone();
    let orders = page
        .orders
        .into_iter()
        .map(|listed| match listed {
            Listed::Read(order, text) => normalize::normalize_read("westmoon", &shanghai, order, text),
            Listed::Unread(raw) => normalize("westmoon", &shanghai, raw),
        })
        .map(|order| order.map_err(|e| e.to_string()))
        .collect();
    Ok((fallback.is_none(), next, orders))
}

/// The example page is walked, each order read straight from the answer,
/// and gives the orders the ordinary reading gives; a comma before its last
/// `}` only the ordinary reading takes, with the same orders; an order that
/// does not match the document is a bad order, with the reason it has alone.
#[test]
fn a_status_page_is_walked_to_the_orders_the_ordinary_reading_gives() {
    let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let data = read_answer(200, SUCCESS.as_bytes()).unwrap();
    let page: WestmonthOrderPage = read_raw(&data).unwrap();
    let expected: Vec<_> = page.data.iter().map(|raw| Ok(normalize("westmoon", &shanghai, raw).unwrap())).collect();
    assert_eq!(read_status_page(SUCCESS).unwrap(), (true, None, expected.clone()));
    let comma = format!("{},}}", SUCCESS.trim_end().strip_suffix('}').unwrap());
    assert_eq!(read_status_page(&comma).unwrap(), (false, None, expected.clone()));

    let example: serde_json::Value = serde_json::from_str(SUCCESS).unwrap();
    let good = example["data"]["data"][0].to_string();
    let bad = good.replace(r#""pay_amount":"0.00""#, r#""pay_amount":"nothing""#);
    assert_ne!(good, bad);
    let body = format!(r#"{{"code":0,"data":{{"next_page_url":"https://x/?page=2","data":[{good},{bad}]}}}}"#);
    let (walked, next, orders) = read_status_page(&body).unwrap();
    assert!(walked);
    assert_eq!(next.as_deref(), Some("https://x/?page=2"));
    assert_eq!(orders[0], expected[0]);
    let raw = serde_json::from_str::<Box<serde_json::value::RawValue>>(&bad).unwrap();
    assert_eq!(orders[1], Err(normalize("westmoon", &shanghai, &raw).unwrap_err().to_string()));
    assert!(orders[1].as_ref().unwrap_err().contains("nothing"), "{:?}", orders[1]);
    assert_eq!(read_status_page(ERROR).unwrap_err().kind(), ErrorKind::Auth);
}
