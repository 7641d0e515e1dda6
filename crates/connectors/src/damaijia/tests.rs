//! Golden tests: the document's example answer, verbatim.

use super::client::{read_answer, read_page};
use super::wire::DamaijiaOrderPage;
use super::*;
use crate::ErrorKind;
use orderhub_model::{OrderStatus, PaymentStatus, RefundStatus};

const SUCCESS: &str = include_str!("../../../../fixtures/damaijia/search-success.json");
const REQUEST: &str = include_str!("../../../../fixtures/damaijia/search-request.json");

#[test]
fn a_page_reads_the_same_in_one_pass_and_leniently() {
    // Each order's text, and the total, of the page read from `body`; and
    // whether it was read leniently (by `read_answer`, its data kept aside).
    let read = |body: &[u8]| {
        let mut kept = None;
        let page = read_page(200, body, &mut kept).unwrap();
        let texts: Vec<String> = page.shop_order_list.iter().map(|raw| raw.get().to_string()).collect();
        let total = page.total;
        (total, texts, kept.is_some())
    };
    let (total, texts, lenient) = read(SUCCESS.as_bytes());
    assert_eq!((total, texts.len(), lenient), (Some(2), 2, false), "the example is read in one pass");
    // A comma before the envelope's last `}`: only the lenient reading takes it.
    let comma = format!("{},}}", SUCCESS.trim_end().strip_suffix('}').unwrap());
    assert_eq!(read(comma.as_bytes()), (total, texts, true));
    let refused = read_page(200, br#"{"status":204,"msg":"no permission","data":null}"#, &mut None).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Quota);
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
