//! The Wshoto simulator over real HTTP: the document's request and answer shape,
//! auth, paging, the three time types and the status filter.

use super::*;
use crate::serve;
use crate::test_support::assert_same_shape;
use std::collections::HashSet;

const TOKEN: &str = "wshoto-test-token";

async fn start(orders: u64) -> (WshotoSim, String, crate::Running) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config =
        WshotoConfig { access_token: TOKEN.into(), orders, seed: 4, anchor: 1_700_000_000, ..WshotoConfig::default() };
    let sim = WshotoSim::new(&config);
    let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
    let url = format!("{}/openapi/mall/order/list", running.base_url);
    (sim, url, running)
}

async fn call(url: &str, token: &str, body: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{url}?access_token={token}"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn fixture(name: &str) -> Value {
    crate::test_support::fixture("wshoto", name)
}

#[tokio::test]
async fn the_documents_request_gets_the_documents_shape() {
    let (_sim, url, _r) = start(200).await;
    let example = fixture("list-request");
    let answer = call(&url, TOKEN, &example.to_string()).await;
    assert_eq!(answer["code"], 0);
    // The example's window (2021) holds none of our orders: the shape of an empty page.
    assert_eq!(answer["data"]["records"], json!([]));
    let answer = call(&url, TOKEN, r#"{"type":1,"current_index":1,"page_size":10}"#).await;
    assert_same_shape("$", &answer, &fixture("list-success"));
    let text = answer["data"]["records"][0]["total_price"].to_string();
    assert!(
        text.contains('.') && text.split('.').nth(1).unwrap().len() == 2,
        "money as a 2-decimal JSON number: {text}"
    );
    let sku_id = answer["data"]["records"][0]["detail_list"][0]["sku_id"].to_string();
    assert!(sku_id.parse::<u64>().unwrap() > (1u64 << 53), "ids above 2^53 as JSON numbers: {sku_id}");
}

#[tokio::test]
async fn a_wrong_token_or_body_gets_an_error_code() {
    let (_sim, url, _r) = start(5).await;
    assert_eq!(call(&url, "nope", r#"{"type":1}"#).await["code"], 40014);
    assert_eq!(call(&url, TOKEN, "{not json").await["code"], 40035);
    assert_eq!(call(&url, TOKEN, r#"{"type":9}"#).await["code"], 40035);
    assert_eq!(call(&url, TOKEN, r#"{"current_index":1}"#).await["code"], 40035);
}

#[tokio::test]
async fn pages_cover_every_order_once_by_each_time_type() {
    let (sim, url, _r) = start(450).await;
    let truth = sim.truth();
    for (kind, field) in [(1, "create_time"), (2, "finish_time"), (3, "update_time")] {
        let expected = truth.iter().filter(|o| !o[field].is_null()).count();
        let mut seen = Vec::new();
        for index in 1.. {
            let body = json!({"type": kind, "start_time": 0, "end_time": 2_000_000_000, "current_index": index, "page_size": 500});
            let answer = call(&url, TOKEN, &body.to_string()).await;
            assert_eq!(answer["data"]["total"], expected, "type {kind}");
            let records = answer["data"]["records"].as_array().unwrap();
            assert!(records.len() <= 100, "page_size is capped at 100");
            if records.is_empty() {
                break;
            }
            let times: Vec<i64> = records.iter().map(|o| o[field].as_i64().unwrap()).collect();
            assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
            seen.extend(records.iter().map(|o| o["order_code"].as_str().unwrap().to_string()));
        }
        assert_eq!(seen.len(), expected, "type {kind}");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), expected, "no repeats");
    }
    let body = json!({"type": 3, "status_list": [0, 5], "current_index": 1, "page_size": 100}).to_string();
    let answer = call(&url, TOKEN, &body).await;
    let closed_or_unpaid = truth.iter().filter(|o| o["status"] == 0 || o["status"] == 5).count();
    assert_eq!(answer["data"]["total"], closed_or_unpaid);
    let window = json!({"type": 3, "start_time": 1_699_000_000, "end_time": 1_699_500_000, "current_index": 1, "page_size": 100});
    let answer = call(&url, TOKEN, &window.to_string()).await;
    let in_window =
        truth.iter().filter(|o| (1_699_000_000..=1_699_500_000).contains(&o["update_time"].as_i64().unwrap())).count();
    assert_eq!(answer["data"]["total"], in_window);
}

#[test]
fn generated_orders_are_consistent() {
    let orders: Vec<_> = (0..3000).map(|i| generate(8, 1_700_000_000, 28 * 86_400, i)).collect();
    for status in 0..=5 {
        assert!(orders.iter().any(|o| o.status == status), "status {status}");
    }
    for o in &orders {
        assert!(o.update_time <= 1_700_000_000 && o.update_time >= o.create_time);
        assert_eq!(o.pay_status == 1, o.pay_time.is_some());
        assert_eq!((3..=4).contains(&o.status), o.send_time.is_some() && o.express_no.is_some());
        assert!(o.total_fen() > 0);
        assert_eq!(o.order_code.len(), 19);
    }
    let codes: HashSet<_> = orders.iter().map(|o| &o.order_code).collect();
    assert_eq!(codes.len(), orders.len());
}

#[tokio::test]
async fn the_admin_api_serves_the_truth_and_request_counts() {
    let (sim, url, running) = start(25).await;
    call(&url, TOKEN, r#"{"type":1}"#).await;
    let truth: Value =
        reqwest::get(format!("{}/_sandbox/truth", running.base_url)).await.unwrap().json().await.unwrap();
    assert_eq!(truth["orders"], json!(sim.truth()));
    let stats: Value =
        reqwest::get(format!("{}/_sandbox/stats", running.base_url)).await.unwrap().json().await.unwrap();
    assert_eq!(stats["requests"]["GET /openapi/mall/order/list"], 1);
    let before = sim.truth();
    let churned: Value = reqwest::Client::new()
        .post(format!("{}/_sandbox/churn?count=10", running.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let changed = churned["changed"].as_array().unwrap();
    assert!(!changed.is_empty());
    let after = sim.truth();
    for code in changed {
        let old = before.iter().find(|o| o["order_code"] == *code).unwrap();
        let new = after.iter().find(|o| o["order_code"] == *code).unwrap();
        assert!(new["status"].as_i64() > old["status"].as_i64(), "moved forward: {code}");
        assert!(new["update_time"].as_i64() >= old["update_time"].as_i64());
    }
}

/// An order code's `yymmdd` is the day the order was placed, in China.
#[test]
fn order_codes_carry_the_day_the_order_was_placed_in_china() {
    let anchor = crate::default_anchor();
    for index in 0..500 {
        let order = generate(11, anchor, 6 * 86_400, index);
        let day = crate::calendar_date(order.create_time, "Asia/Shanghai");
        assert_eq!(&order.order_code[2..8], &day[2..], "{} placed {}", order.order_code, order.create_time);
    }
}
