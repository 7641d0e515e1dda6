//! Golden tests: the document's example answer, verbatim.

use super::client::{read_answer, read_page};
use super::wire::DamaijiaOrderPage;
use super::*;
use crate::ErrorKind;
use crate::json_walk::Listed;
use orderhub_model::{Order, OrderStatus, PaymentStatus, RefundStatus};

const SUCCESS: &str = include_str!("../../../../fixtures/damaijia/search-success.json");
const REQUEST: &str = include_str!("../../../../fixtures/damaijia/search-request.json");

/// A page's total, its orders' texts (each: read while walking?), and
/// whether the lenient reading read it.
type PageRead = (Option<i64>, Vec<(String, bool)>, bool);

/// What a page read from `body` holds: its total, and each order as its
/// text and whether it was read while walking (else it is read by `normalize`).
fn read_listed(body: &[u8]) -> Result<PageRead, crate::ConnectorError> {
    let mut kept = None;
    let page = read_page(200, body, &mut kept)?;
    let orders = page
        .orders
        .iter()
        .map(|listed| match listed {
            Listed::Read(_, text) => (text.to_string(), true),
            Listed::Unread(raw) => (raw.get().to_string(), false),
        })
        .collect();
    Ok((page.total, orders, kept.is_some()))
}

/// The canonical orders (or the bad orders' errors) of a page read from `body`.
fn normalised(body: &[u8]) -> Vec<Result<Order, String>> {
    let mut kept = None;
    let page = read_page(200, body, &mut kept).unwrap();
    page.orders
        .into_iter()
        .map(|listed| match listed {
            Listed::Read(order, text) => normalize::normalize_read("douyin", order, text),
            Listed::Unread(raw) => normalize("douyin", raw),
        })
        .map(|order| order.map_err(|e| e.to_string()))
        .collect()
}

#[test]
fn a_page_reads_the_same_walked_and_leniently() {
    let (total, orders, lenient) = read_listed(SUCCESS.as_bytes()).unwrap();
    assert_eq!((total, orders.len(), lenient), (Some(2), 2, false), "the example is walked");
    assert!(orders.iter().all(|(_, walked)| *walked));
    // Each order's text is its text in the answer, byte for byte.
    let example: serde_json::Value = serde_json::from_str(SUCCESS).unwrap();
    for (i, (text, _)) in orders.iter().enumerate() {
        assert!(SUCCESS.contains(text.as_str()));
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(value, example["data"]["shop_order_list"][i]);
    }
    // A comma before the envelope's last `}`: only the lenient reading takes
    // it, and it finds the same orders, and the same canonical orders.
    let comma = format!("{},}}", SUCCESS.trim_end().strip_suffix('}').unwrap());
    let unread: Vec<(String, bool)> = orders.iter().map(|(text, _)| (text.clone(), false)).collect();
    assert_eq!(read_listed(comma.as_bytes()).unwrap(), (total, unread, true));
    assert_eq!(normalised(comma.as_bytes()), normalised(SUCCESS.as_bytes()));
    let refused = read_page(200, br#"{"status":204,"msg":"no permission","data":null}"#, &mut None).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Quota);
}

#[test]
fn answers_the_walk_does_not_take_are_read_the_ordinary_way_with_the_same_result() {
    let order = r#"{"order_id":"1","order_status":2,"pay_time":1700000000,"order_amount":150}"#;
    let page = |envelope: &str| envelope.replace("ORDER", order);
    for (body, total, count) in [
        // Keys in another order, a number for a status, whitespace, a key the document does not list.
        (
            page(r#"{ "data" : { "shop_order_list" : [ ORDER ] , "total" : "1" , "page" : 0 } , "status" : 0 }"#),
            Some(1),
            1,
        ),
        // No orders, sent as null; no total.
        (page(r#"{"status":"0","data":{"shop_order_list":null}}"#), None, 0),
    ] {
        let (read_total, orders, _) = read_listed(body.as_bytes()).unwrap();
        assert_eq!((read_total, orders.len()), (total, count), "{body}");
        assert!(orders.iter().all(|(text, _)| text == order), "{body}");
    }
    // A key twice: the ordinary reading decides, and refuses it, as before.
    let twice = page(r#"{"status":"0","data":{"total":5,"total":1,"shop_order_list":[ORDER]}}"#);
    assert!(read_listed(twice.as_bytes()).unwrap_err().to_string().contains("duplicate field `total`"));
    // Not JSON inside an order: the page is refused, as before, never read as a bad order.
    let cut =
        format!(r#"{{"status":"0","data":{{"total":2,"shop_order_list":[{order},{{"order_id":"2","order_amount":1"#);
    let refused = read_listed(cut.as_bytes()).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Malformed, "{refused}");
    let invalid = format!(r#"{{"status":"0","data":{{"total":2,"shop_order_list":[{order},{{"order_id":tru}}]}}}}"#);
    assert!(read_listed(invalid.as_bytes()).is_err());
    // A byte that is not UTF-8, inside a string the mapping does not read:
    // refused as before, never kept as an order's text.
    let mut bytes = br#"{"status":"0","data":{"total":1,"shop_order_list":[{"order_id":"1","note":""#.to_vec();
    bytes.extend_from_slice(b"\xff\"}]}}");
    assert!(read_listed(&bytes).is_err());
}

#[test]
fn an_order_that_does_not_match_the_document_is_a_bad_order_and_the_rest_are_read() {
    let good = r#"{"order_id":"1","order_status":2,"pay_time":1700000000,"order_amount":150}"#;
    let bad = r#"{"order_id":"2","order_status":"two","order_amount":150}"#;
    let no_id = r#"{"order_status":2,"order_amount":150}"#;
    let body = format!(r#"{{"status":"0","data":{{"total":3,"shop_order_list":[{good},{bad},{no_id}]}}}}"#);
    let (_, orders, lenient) = read_listed(body.as_bytes()).unwrap();
    assert!(!lenient);
    assert_eq!(orders, [(good.to_string(), true), (bad.to_string(), false), (no_id.to_string(), true)]);
    let read = normalised(body.as_bytes());
    assert_eq!(read[0].as_ref().unwrap().total.to_string(), "1.50");
    assert_eq!(read[0].as_ref().unwrap().raw.get(), good);
    // The same reasons as an order read on its own gives.
    let alone = |text: &str| {
        let raw: &serde_json::value::RawValue = serde_json::from_str(text).unwrap();
        normalize("douyin", raw).unwrap_err().to_string()
    };
    assert_eq!(read[1].as_ref().unwrap_err(), &alone(bad));
    assert!(read[1].as_ref().unwrap_err().contains("\"two\" is not a whole number"), "{:?}", read[1]);
    assert_eq!(read[2].as_ref().unwrap_err(), &alone(no_id));
}

#[test]
fn the_example_orders_normalise_to_hand_checked_orders() {
    let data = read_answer(200, SUCCESS.as_bytes()).unwrap();
    let page: DamaijiaOrderPage = serde_json::from_str(data.get()).unwrap();
    assert_eq!((page.total, page.shop_order_list.len()), (Some(2), 2));
    let orders: Vec<_> = page.shop_order_list.iter().map(|raw| normalize("douyin", raw).unwrap()).collect();
    let first = &orders[0];
    let example: serde_json::Value = serde_json::from_str(SUCCESS).unwrap();
    assert_eq!(first.raw.to_value(), example["data"]["shop_order_list"][0]);
    assert_eq!(first.id, "damaijia:douyin:4879354354618346764");
    // order_status 4 已关闭 with main_status 21 发货前退款完成: refunded in full before shipping.
    assert_eq!(first.status, OrderStatus::Cancelled);
    assert_eq!(first.refund_status, RefundStatus::Full);
    assert_eq!(first.payment_status, PaymentStatus::Refunded);
    // order_amount 1000 fen = 10.00 yuan.
    assert_eq!(first.total.to_string(), "10.00");
    assert_eq!(first.subtotal.to_string(), "10.00");
    assert_eq!(first.paid.to_string(), "10.00");
    assert_eq!(first.currency.as_deref(), Some("CNY"));
    // 1640158345 = 2021-12-22 07:32:25 UTC.
    assert_eq!(first.created_at.unwrap().to_string(), "2021-12-22T07:32:25Z");
    assert_eq!(first.shipped_at, None, "ship_time 0 is not set");
    // product_id_str, never the lossy product_id (3489373605366769000).
    assert_eq!(first.items[0].product_id.as_deref(), Some("3489373605366769084"));
    assert_eq!(first.items[0].sku_id.as_deref(), Some("1703795743450127"));
    assert_eq!(first.items[0].variant.as_deref(), Some("随机包装:随机包装"));
    // The buyer's name and phone are Douyin ciphertext: kept, and marked.
    let phone = first.customer.phone.as_deref().unwrap();
    assert!(phone.starts_with("encrypted:$sKhj9rlLyadKWJ3SqSgis"), "{phone}");
    assert!(first.shipping_address.name.as_deref().unwrap().starts_with("encrypted:#Ydk4#"));
    assert_eq!(first.shipping_address.district.as_deref(), Some("西湖区"));
    assert_eq!(orders[1].order_number, "13213213123");
    let docs: Vec<serde_json::Value> = orders
        .iter()
        .map(|o| {
            let mut doc = serde_json::to_value(o).unwrap();
            doc.as_object_mut().unwrap().shift_remove("raw");
            doc
        })
        .collect();
    insta::assert_snapshot!("search_example", serde_json::to_string_pretty(&docs).unwrap());
}

#[test]
fn every_documented_status_code_is_classified() {
    let kind = |code: i64| {
        read_answer(200, format!(r#"{{"status":{code},"msg":"x","data":null}}"#).as_bytes()).unwrap_err().kind()
    };
    assert_eq!(kind(100), ErrorKind::BadRequest);
    assert_eq!(kind(101), ErrorKind::Transient);
    assert_eq!(kind(103), ErrorKind::Auth);
    assert_eq!(kind(200), ErrorKind::Transient);
    assert_eq!(kind(203), ErrorKind::BadRequest);
    assert_eq!(kind(204), ErrorKind::Quota);
    assert_eq!(kind(302), ErrorKind::Auth);
    let err = read_answer(200, r#"{"status":302,"msg":"未授权店铺"}"#.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("scan the authorisation link"), "{err}");
}

#[test]
fn fixtures_are_verbatim_copies_of_the_document() {
    let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/platform-docs/damaijia-douyin-order-search.md");
    let Ok(doc) = std::fs::read_to_string(&doc) else {
        eprintln!("SKIPPED: {} is not beside this checkout", doc.display());
        return;
    };
    for fixture in [SUCCESS, REQUEST] {
        assert!(doc.contains(fixture.trim_end()), "not verbatim in the document");
    }
}
