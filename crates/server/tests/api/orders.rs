//! `GET /api/v1/orders`: filters, search, bad input, and cursor paging while
//! orders change.

use crate::{Api, assert_error, order};
use orderhub_model::{OrderStatus, PaymentStatus};
use orderhub_server::auth::Scope;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

const T0: i64 = 1_700_000_000;

fn ids(body: &Value) -> Vec<String> {
    body["orders"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_string()).collect()
}

fn numbers(body: &Value) -> Vec<String> {
    body["orders"].as_array().unwrap().iter().map(|o| o["order_number"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn filters_and_search_find_exactly_the_matching_orders() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    let mut orders = Vec::new();
    for i in 0..30 {
        let mut o = order(&format!("ASDA-{i:03}"), T0 + i * 60, T0 + 10_000 - i);
        if i % 3 == 0 {
            o.status = OrderStatus::Shipped;
        }
        if i % 5 == 0 {
            o.payment_status = PaymentStatus::Refunded;
        }
        o.customer.name = Some(if i == 7 { "Jane Doe".into() } else { format!("买家{i}") });
        o.customer.phone = Some(format!("1380000{i:04}"));
        o.items.push(orderhub_model::LineItem {
            line_id: "1".into(),
            sku: Some(if i < 4 { "SKU-RED".into() } else { "SKU-BLUE".into() }),
            product_id: None,
            sku_id: None,
            title: None,
            variant: None,
            quantity: 1,
            unit_price: "16.55".parse().unwrap(),
            total: "16.55".parse().unwrap(),
            image_url: None,
        });
        orders.push(o);
    }
    api.store.write_batch("belment", &orders, &[], None).await.unwrap();
    // The seller's purchase at its supplier, for ASDA-005.
    let mut purchase = order("aOP2505071626702", T0, T0);
    (purchase.platform, purchase.shop) = (orderhub_connectors::westmonth::PLATFORM, "westmoon".into());
    purchase.id = orderhub_model::hub_id(purchase.platform, "westmoon", "aOP2505071626702");
    purchase.role = orderhub_model::Role::Purchase;
    purchase.links = vec![orderhub_model::OrderLink {
        relation: orderhub_model::LinkRelation::Fulfils,
        order_number: "ASDA-005".into(),
        order_id: None,
    }];
    api.store.write_batch("westmoon", std::slice::from_ref(&purchase), &[], None).await.unwrap();
    let key = api.key(Scope::Read, true).await;
    let get = |path: String| {
        let api = &api;
        let key = key.clone();
        async move {
            let (status, body) = api.get(&key, &path).await;
            assert_eq!(status, 200, "{path}: {body}");
            body
        }
    };

    // Sales and purchases apart; each order says which it is, and its links.
    let purchases = get("/api/v1/orders?role=purchase".into()).await;
    assert_eq!(numbers(&purchases), ["aOP2505071626702"]);
    assert_eq!(purchases["orders"][0]["role"], "purchase");
    // Written after the shop orders, the purchase found the one it names, and that one links back.
    assert_eq!(
        purchases["orders"][0]["links"],
        serde_json::json!([{"relation": "fulfils", "order_number": "ASDA-005", "order_id": "shoptima:belment:ASDA-005"}])
    );
    let sales = get("/api/v1/orders?role=sale&limit=500".into()).await;
    assert_eq!(numbers(&sales).len(), 30);
    assert!(sales["orders"].as_array().unwrap().iter().all(|o| o["role"] == "sale"));
    let fulfilled = get("/api/v1/orders?fulfilled_by=westmoon".into()).await;
    assert_eq!(numbers(&fulfilled), ["ASDA-005"]);
    assert_eq!(
        fulfilled["orders"][0]["links"],
        serde_json::json!([{"relation": "fulfilled_by", "order_number": "aOP2505071626702",
                            "order_id": "westmonth:westmoon:aOP2505071626702"}])
    );
    assert_eq!(numbers(&get("/api/v1/orders?linked=true".into()).await), ["ASDA-005", "aOP2505071626702"]);
    assert_eq!(numbers(&get("/api/v1/orders?linked=false&limit=500".into()).await).len(), 29);
    assert!(numbers(&get("/api/v1/orders?fulfilled_by=belment".into()).await).is_empty());
    assert_eq!(numbers(&get("/api/v1/orders?role=purchase&shop=belment".into()).await).len(), 0);

    let all = get("/api/v1/orders?limit=500&platform=shoptima".into()).await;
    assert_eq!(numbers(&all).len(), 30);
    assert_eq!(numbers(&all)[0], "ASDA-029", "newest created first");
    assert!(all["next_cursor"].is_null());
    assert_eq!(numbers(&get("/api/v1/orders?status=shipped&limit=500".into()).await).len(), 10);
    assert_eq!(numbers(&get("/api/v1/orders?payment_status=refunded".into()).await).len(), 6);
    assert_eq!(numbers(&get("/api/v1/orders?status=shipped&payment_status=refunded".into()).await).len(), 2);
    assert_eq!(numbers(&get("/api/v1/orders?platform=shoptima&shop=belment".into()).await).len(), 30);
    assert_eq!(numbers(&get("/api/v1/orders?shop=other".into()).await).len(), 0);
    // created_from inclusive, created_to exclusive: orders 2, 3, 4.
    let created = get(format!(
        "/api/v1/orders?created_from={}&created_to={}",
        jiff::Timestamp::from_second(T0 + 120).unwrap(),
        jiff::Timestamp::from_second(T0 + 300).unwrap()
    ))
    .await;
    assert_eq!(numbers(&created), ["ASDA-004", "ASDA-003", "ASDA-002"]);
    let updated =
        get(format!("/api/v1/orders?updated_from={}", jiff::Timestamp::from_second(T0 + 9_998).unwrap())).await;
    assert_eq!(numbers(&updated), ["ASDA-002", "ASDA-001", "ASDA-000"]);
    assert_eq!(
        numbers(&get("/api/v1/orders?sku=SKU-RED".into()).await),
        ["ASDA-003", "ASDA-002", "ASDA-001", "ASDA-000"]
    );

    // q: order number (any case, prefix), buyer name, phone, email, tracking number.
    assert_eq!(numbers(&get("/api/v1/orders?q=asda-01".into()).await).len(), 10);
    assert_eq!(numbers(&get("/api/v1/orders?q=asda-017".into()).await), ["ASDA-017"]);
    assert_eq!(numbers(&get("/api/v1/orders?q=jane".into()).await), ["ASDA-007"]);
    assert_eq!(numbers(&get("/api/v1/orders?q=13800000012".into()).await), ["ASDA-012"]);
    assert_eq!(numbers(&get("/api/v1/orders?q=SFASDA-021".into()).await), ["ASDA-021"]);
    assert_eq!(numbers(&get("/api/v1/orders?q=%E4%B9%B0%E5%AE%B629".into()).await), ["ASDA-029"]); // 买家29
    assert_eq!(numbers(&get("/api/v1/orders?q=zhang.san%40example.com&limit=1".into()).await).len(), 1);
    assert!(numbers(&get("/api/v1/orders?q=nobody".into()).await).is_empty());
    // A changed order is found by its new terms only.
    let mut changed = orders[12].clone();
    changed.customer.phone = Some("13999999999".into());
    changed.updated_at = Some(jiff::Timestamp::from_second(T0 + 20_000).unwrap());
    api.store.write_batch("belment", &[changed], &[], None).await.unwrap();
    assert_eq!(numbers(&get("/api/v1/orders?q=13999999999".into()).await), ["ASDA-012"]);
    assert!(numbers(&get("/api/v1/orders?q=13800000012".into()).await).is_empty());
}

#[tokio::test]
async fn bad_input_is_a_400_that_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    let orders: Vec<_> = (0..3).map(|i| order(&format!("A-{i}"), T0 + i, T0 + i)).collect();
    api.store.write_batch("belment", &orders, &[], None).await.unwrap();
    let key = api.key(Scope::Read, false).await;
    for (query, needle) in [
        ("status=paid", "status \"paid\" is not one of"),
        ("refund_status=all", "refund_status"),
        ("platform=ebay", "platform"),
        ("role=supplier", "role \"supplier\" is not one of sale, purchase"),
        ("linked=yes", "linked \"yes\" is not one of true, false"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("sort=-updated", "sort"),
        ("created_from=yesterday", "RFC 3339"),
        ("updated_to=2024-01-01", "RFC 3339"),
        ("stauts=shipped", "unknown parameter \"stauts\""),
        ("shop=a&shop=b", "given twice"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=7631", "cursor"),
    ] {
        let answer = api.get(&key, &format!("/api/v1/orders?{query}")).await;
        assert_error(&answer, 400, "bad_request");
        let message = answer.1["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{query}: {message}");
    }
    let (_, first) = api.get(&key, "/api/v1/orders?limit=1&status=awaiting_shipment").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let answer = api.get(&key, &format!("/api/v1/orders?limit=1&cursor={cursor}")).await;
    assert_error(&answer, 400, "bad_request");
    assert!(answer.1["error"]["message"].as_str().unwrap().contains("other filters"));
    let answer =
        api.get(&key, &format!("/api/v1/orders?limit=1&status=awaiting_shipment&sort=updated&cursor={cursor}")).await;
    assert_error(&answer, 400, "bad_request");
    assert_error(&api.get(&key, "/api/v1/orders/shoptima:belment:nope").await, 404, "not_found");
    assert_error(&api.get(&key, "/api/v1/orders/shoptima:belment:nope/events").await, 404, "not_found");
    assert_error(&api.get(&key, "/api/v1/events?after=-1").await, 400, "bad_request");
    assert_error(&api.get(&key, "/api/v1/events?wait=31").await, 400, "bad_request");
}

/// Pages through every order while, between pages, orders change (new status,
/// newer update time) and new ones arrive. Returns how often each original
/// order was served, and which were changed after being served.
async fn page_while_changing(api: &Api, key: &str, sort: &str) -> (HashMap<String, u32>, HashSet<String>) {
    let originals: Vec<_> = (0..230).map(|i| order(&format!("P-{i:03}"), T0 + (i % 50) * 7, T0 + i)).collect();
    api.store.write_batch("belment", &originals, &[], None).await.unwrap();
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut changed_after_served = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut round = 0i64;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/orders?limit=40&sort={sort}&cursor={c}"),
            None => format!("/api/v1/orders?limit=40&sort={sort}"),
        };
        let (status, body) = api.get(key, &path).await;
        assert_eq!(status, 200, "{body}");
        for id in ids(&body) {
            *seen.entry(id).or_default() += 1;
        }
        // Change 15 orders spread over the whole listing, served or not, and
        // add 3 new ones (newest created, and one created among the old).
        round += 1;
        let mut batch = Vec::new();
        for j in 0..15 {
            let mut o = originals[((round * 37 + j * 16) % 230) as usize].clone();
            o.status = OrderStatus::Shipped;
            o.updated_at = Some(jiff::Timestamp::from_second(T0 + 1_000 * round + j).unwrap());
            if seen.contains_key(&o.id) {
                changed_after_served.insert(o.id.clone());
            }
            batch.push(o);
        }
        for j in 0..3 {
            batch.push(order(&format!("NEW-{round}-{j}"), T0 + 100_000 * (j - 1), T0 + 1_000 * round));
        }
        api.store.write_batch("belment", &batch, &[], None).await.unwrap();
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    for o in &originals {
        assert!(seen.contains_key(&o.id), "{sort}: {} was skipped", o.id);
    }
    (seen, changed_after_served)
}

#[tokio::test]
async fn paging_by_creation_serves_every_order_exactly_once_while_orders_change() {
    for sort in ["-created", "created"] {
        let dir = tempfile::tempdir().unwrap();
        let api = Api::start(&dir, vec![]).await;
        let key = api.key(Scope::Read, false).await;
        let (seen, changed) = page_while_changing(&api, &key, sort).await;
        assert!(!changed.is_empty(), "the test changed no served order: it proves nothing");
        for (id, times) in &seen {
            assert_eq!(*times, 1, "{sort}: {id} served {times} times");
        }
    }
}

#[tokio::test]
async fn paging_by_update_never_skips_and_repeats_only_orders_changed_after_being_served() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    let key = api.key(Scope::Read, false).await;
    let (seen, changed) = page_while_changing(&api, &key, "updated").await;
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(!repeated.is_empty(), "no order came again: the test changed nothing that was served");
    for (id, times) in repeated {
        assert!(changed.contains(id), "{id} served {times} times without changing after it was served");
    }
}
