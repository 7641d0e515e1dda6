//! What a key without the `pii` scope can learn of buyers: nothing, through
//! any route. Masked fields are not enough: a search that matched buyers'
//! phones would tell, one request per character, what the masking hides.

use crate::{Api, belment, shoptima};
use orderhub_model::Order;
use orderhub_server::auth::Scope;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;

/// The texts a search without `pii` may match an order by, lower-cased.
fn public_terms(order: &Order) -> Vec<String> {
    [Some(order.order_number.clone()), order.platform_order_id.clone()]
        .into_iter()
        .flatten()
        .chain(order.shipments.iter().map(|s| s.tracking_number.clone()))
        .map(|t| t.trim().to_lowercase())
        .collect()
}

/// The buyer's values of an order a search with `pii` finds it by.
fn buyer_values(order: &Order) -> Vec<String> {
    [
        &order.customer.name,
        &order.customer.phone,
        &order.customer.email,
        &order.shipping_address.name,
        &order.shipping_address.phone,
    ]
    .into_iter()
    .flatten()
    .map(|v| v.trim().to_string())
    .filter(|v| !v.is_empty())
    .collect()
}

/// Over the sandbox's orders: a buyer's value, or any start of it, asked
/// as `q` alone or beside the order's own number (a yes/no question about
/// one order) finds with a masked key exactly what the order's number, id
/// and tracking numbers decide, and nothing the buyer's value does; with
/// `pii` the same question finds the order, so the test can tell.
#[test]
fn a_key_without_pii_cannot_tell_any_buyer_value_through_search() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (api, orders, _platform) = runtime.block_on(async {
        let platform = shoptima(300).await;
        let api = Api::start(&dir, vec![belment(&platform)]).await;
        api.hub.sync_now("belment").await.unwrap();
        let orders = api.store.orders(&Default::default()).await.unwrap();
        (api, orders, platform)
    });
    let with_buyers: Vec<&Order> = orders.iter().filter(|o| !buyer_values(o).is_empty()).collect();
    assert!(with_buyers.len() > 200, "the sandbox's orders have buyers: {}", with_buyers.len());
    let (masked, pii) =
        runtime.block_on(async { (api.key(Scope::Read, false).await, api.key(Scope::Read, true).await) });

    let mut runner = TestRunner::new(Config { cases: 200, ..Config::default() });
    let cases = (0..with_buyers.len(), 0usize..5, 1usize..40);
    runner
        .run(&cases, |(which, field, length)| {
            let order = with_buyers[which];
            let values = buyer_values(order);
            let value = &values[field % values.len()];
            let q: String = value.chars().take(length).collect();
            let encoded = |text: &str| url_encode(text);
            runtime.block_on(async {
                // The yes/no question about one order.
                let path = format!("/api/v1/orders?order_number={}&q={}", encoded(&order.order_number), encoded(&q));
                let (_, seen) = api.get(&masked, &path).await;
                let found = seen["orders"].as_array().unwrap().len();
                let publicly = public_terms(order).iter().any(|t| t.starts_with(&q.trim().to_lowercase()));
                prop_assert_eq!(found, usize::from(publicly), "masked key, order {} q={:?}", order.order_number, q);
                let (_, seen) = api.get(&pii, &path).await;
                prop_assert_eq!(seen["orders"].as_array().unwrap().len(), 1, "pii key, q={:?}", q);
                // The search alone: every order found is found by what is public.
                let (_, seen) = api.get(&masked, &format!("/api/v1/orders?limit=500&q={}", encoded(&q))).await;
                let needle = q.trim().to_lowercase();
                for found in seen["orders"].as_array().unwrap() {
                    let number = found["order_number"].as_str().unwrap();
                    let stored = orders.iter().find(|o| o.order_number == number).unwrap();
                    prop_assert!(
                        public_terms(stored).iter().any(|t| t.starts_with(&needle)),
                        "q={:?} found {}",
                        q,
                        number
                    );
                }
                Ok(())
            })
        })
        .unwrap();
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every route that shows a write-back job masks its buyer data: an
/// address change's phone, email and street.
#[tokio::test]
async fn write_back_jobs_show_no_buyer_data_without_pii() {
    let platform = shoptima(30).await;
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![belment(&platform)]).await;
    api.hub.sync_now("belment").await.unwrap();
    let writer = api.key(Scope::Write, false).await;
    let pii = api.key(Scope::Read, true).await;
    let id = api.store.orders(&Default::default()).await.unwrap()[0].id.clone();
    let body = json!({"address1": "南山区科技园 1 号", "phone": "13812345678", "email": "zhang.san@example.com"});
    let (status, created) = api.post(&writer, &format!("/api/v1/orders/{id}/address"), &body, Some("a-1")).await;
    assert_eq!(status, 202, "{created}");
    let job = created["job"]["id"].as_i64().unwrap();
    let (_, repeated) = api.post(&writer, &format!("/api/v1/orders/{id}/address"), &body, Some("a-1")).await;
    let other = json!({"address1": "福田区 2 号", "phone": "13987654321"});
    let (status, refused) = api.post(&writer, &format!("/api/v1/orders/{id}/address"), &other, Some("a-1")).await;
    assert_eq!(status, 409, "the key was used for another request: {refused}");
    let (_, one) = api.get(&writer, &format!("/api/v1/outbox/{job}")).await;
    let (_, list) = api.get(&writer, &format!("/api/v1/orders/{id}/writebacks")).await;
    for (route, body) in
        [("created", &created), ("repeated", &repeated), ("refused", &refused), ("outbox", &one), ("writebacks", &list)]
    {
        let text = body.to_string();
        for secret in ["13812345678", "zhang.san@", "南山区科技园", "13987654321", "福田区"] {
            assert!(!text.contains(secret), "{route} shows {secret}: {text}");
        }
    }
    assert_eq!(one["job"]["request"]["phone"], "138****5678");
    let (_, whole) = api.get(&pii, &format!("/api/v1/outbox/{job}")).await;
    assert_eq!(whole["job"]["request"]["phone"], "13812345678");
}

/// The buyer's fields the masking covers, per party.
const MASKED_FIELDS: &[&str] = &["name", "phone", "email", "address1", "address2", "postal_code", "company"];

/// Every order the list and the order route serve is the stored order: with
/// `pii` the canonical order whole, its fields in the canonical order; without,
/// the same but for the buyer's masked fields (none shown as it is) and the
/// payload withheld.
#[tokio::test]
async fn orders_are_served_as_stored_whole_with_pii_and_masked_without() {
    let platform = shoptima(120).await;
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![belment(&platform)]).await;
    api.hub.sync_now("belment").await.unwrap();
    let stored = api.store.orders(&Default::default()).await.unwrap();
    assert_eq!(stored.len(), 120);
    let (masked, pii) = (api.key(Scope::Read, false).await, api.key(Scope::Read, true).await);
    let (_, whole) = api.get(&pii, "/api/v1/orders?limit=500").await;
    let (_, hidden) = api.get(&masked, "/api/v1/orders?limit=500").await;
    let (whole, hidden) = (whole["orders"].as_array().unwrap(), hidden["orders"].as_array().unwrap());
    assert_eq!((whole.len(), hidden.len()), (120, 120));
    let mut masked_values = 0;
    for (order, (served, served_masked)) in stored.iter().zip(whole.iter().zip(hidden)) {
        let canonical = serde_json::to_value(order).unwrap();
        assert_eq!(served, &canonical, "{}", order.id);
        let names = |value: &serde_json::Value| value.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(names(served), names(&canonical), "{}: the canonical field order", order.id);
        assert_eq!(names(served_masked), names(&canonical), "{}: masked, the same fields", order.id);
        let (_, one) = api.get(&pii, &format!("/api/v1/orders/{}", order.id)).await;
        assert_eq!(one, canonical, "{}", order.id);
        let (_, one_masked) = api.get(&masked, &format!("/api/v1/orders/{}", order.id)).await;
        assert_eq!(&one_masked, served_masked, "{}", order.id);
        for (name, value) in canonical.as_object().unwrap() {
            let seen = &served_masked[name];
            match name.as_str() {
                "raw" => assert!(seen.as_str().unwrap().starts_with("withheld"), "{seen}"),
                "customer" | "shipping_address" => {
                    for (field, original) in value.as_object().unwrap() {
                        let shown = &seen[field];
                        match original.as_str() {
                            Some(text) if MASKED_FIELDS.contains(&field.as_str()) && text.chars().count() > 1 => {
                                assert_ne!(shown, original, "{}: {name}.{field} shown", order.id);
                                masked_values += 1;
                            }
                            Some(_) if MASKED_FIELDS.contains(&field.as_str()) => {}
                            _ => assert_eq!(shown, original, "{}: {name}.{field}", order.id),
                        }
                    }
                }
                _ => assert_eq!(seen, value, "{}: {name}", order.id),
            }
        }
    }
    assert!(masked_values > 500, "the sandbox's buyers have fields to mask: {masked_values}");
}
