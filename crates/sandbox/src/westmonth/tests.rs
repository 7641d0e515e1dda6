//! The Westmonth simulator over real HTTP: the document's requests and answers.

use super::*;
use crate::serve;
use crate::test_support::{assert_same_shape, fixture};
use std::collections::HashSet;

const TOKEN: &str = "westmonth-test-token";

async fn start(orders: u64) -> (WestmonthSim, String, crate::Running) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config =
        WestmonthConfig { token: TOKEN.into(), orders, seed: 6, anchor: 1_752_000_000, ..WestmonthConfig::default() };
    let sim = WestmonthSim::new(&config);
    let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
    let url = format!("{}/openapi/v2/order/status", running.base_url);
    (sim, url, running)
}

async fn post(url: &str, token: &str, body: &str) -> Value {
    reqwest::Client::new()
        .post(url)
        .header("authorization", token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_documents_requests_get_the_documents_shapes() {
    let (sim, url, _r) = start(300).await;
    // The exact lookup of the example names an order we do not hold: an empty page.
    let answer = post(&url, TOKEN, &fixture("westmonth", "status-request").to_string()).await;
    assert_eq!(answer["code"], 0);
    assert_eq!(answer["data"]["data"], json!([]));
    // Looking up one of ours gives it, in the example's shape.
    let number = sim.truth()[0]["number"].as_str().unwrap().to_string();
    let body =
        json!({"order_numbers": [number], "type": 4, "start_time": "", "end_time": "", "page": 1, "per_page": 10});
    let answer = post(&url, TOKEN, &body.to_string()).await;
    assert_same_shape("$", &answer, &fixture("westmonth", "status-success"));
    assert_eq!(answer["data"]["data"][0]["number"], number.as_str());
    // The window example (July 2025) falls inside the generated span.
    let answer = post(&url, TOKEN, &fixture("westmonth", "status-window-request").to_string()).await;
    assert_eq!(answer["code"], 0);
    assert_eq!(answer["data"]["per_page"], 10);
    // A wrong token gets the document's error answer.
    assert_eq!(post(&url, "nope", r#"{"type":4}"#).await, fixture("westmonth", "status-error"));
    assert_eq!(post(&url, TOKEN, r#"{"type":3}"#).await["code"], 422);
}

#[tokio::test]
async fn pages_follow_next_page_url_and_cover_the_window_once() {
    let (sim, url, _r) = start(350).await;
    let truth = sim.truth();
    let (start, end) = ("2025-06-20 00:00:00", "2025-07-05 23:59:59");
    let lo = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", start).unwrap();
    let hi = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", end).unwrap();
    let expected: HashSet<String> = truth
        .iter()
        .filter(|o| {
            let t = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", o["updated_at"].as_str().unwrap()).unwrap();
            t >= lo && t <= hi
        })
        .map(|o| o["number"].as_str().unwrap().to_string())
        .collect();
    assert!(!expected.is_empty());
    let mut seen = Vec::new();
    for page in 1.. {
        let body = json!({"type": 4, "start_time": start, "end_time": end, "page": page, "per_page": 500});
        let answer = post(&url, TOKEN, &body.to_string()).await;
        let data = &answer["data"];
        assert!(data["data"].as_array().unwrap().len() <= 100, "per_page is capped at 100");
        assert!(data.get("total").is_none(), "no total, like the document");
        seen.extend(data["data"].as_array().unwrap().iter().map(|o| o["number"].as_str().unwrap().to_string()));
        match data["next_page_url"].as_str() {
            Some(next) => assert!(next.starts_with("http://westmoon.io/"), "{next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), expected.len());
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), expected);
}

/// A number's `yymmdd` is the day the order was placed, in China: at every
/// hour of the day, also those where Los Angeles or UTC is a day behind.
#[test]
fn numbers_carry_the_day_the_order_was_placed_in_china() {
    let anchor = crate::default_anchor();
    for index in 0..500 {
        let order = generate(11, anchor, 6 * 86_400, index);
        let day = crate::calendar_date(order.created_at, "Asia/Shanghai");
        assert_eq!(&order.number[3..9], &day[2..], "{} placed {}", order.number, order.created_at);
    }
}

/// The supplier's orders name the shop orders handed to it: each at most
/// once, about the share asked for, paid purchases first; a few name
/// nothing and a few keep a number no shop has.
#[test]
fn supplied_orders_name_shop_orders_once_each() {
    let config = WestmonthConfig { orders: 400, seed: 6, anchor: 1_752_000_000, ..WestmonthConfig::default() };
    let sim = WestmonthSim::new(&config);
    let numbers: Vec<String> = (0..200).map(|i| format!("SHOP-{i:03}")).collect();
    sim.supply(&numbers, 60);
    let truth = sim.truth();
    let named: Vec<&str> = truth.iter().filter_map(|o| o["seller_order_no"].as_str()).collect();
    let shop: Vec<&str> = named.iter().copied().filter(|n| n.starts_with("SHOP-")).collect();
    assert_eq!(shop.iter().collect::<HashSet<_>>().len(), shop.len(), "each shop order named once");
    assert!((110..=130).contains(&shop.len()), "about 60% of 200: {}", shop.len());
    let empty = named.iter().filter(|n| n.is_empty()).count();
    let dangling = named.iter().filter(|n| n.starts_with("57672260")).count();
    assert!(dangling >= 5 && empty >= 20, "{dangling} dangling, {empty} empty");
    let unpaid_naming =
        truth.iter().filter(|o| o["pay_status"] != 1 && o["seller_order_no"].as_str().unwrap().starts_with("SHOP-"));
    assert_eq!(unpaid_naming.count(), 0, "paid purchases name the shop orders first");
}
