//! The Damaijia simulator over real HTTP: the document's request and answer,
//! 0-based pages, the size limit, filters and the documented status codes.

use super::*;
use crate::serve;
use crate::test_support::{assert_same_shape, fixture};
use std::collections::HashSet;

const TOKEN: &str = "damaijia-test-token";

async fn start(orders: u64) -> (DamaijiaSim, String, crate::Running) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = DamaijiaConfig {
        token: TOKEN.into(),
        shop_id: "1212212121".into(),
        orders,
        seed: 2,
        anchor: 1_640_200_000,
        ..DamaijiaConfig::default()
    };
    let sim = DamaijiaSim::new(&config);
    let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
    let url = format!("{}/vv/external/requestDyErp/order-searchList", running.base_url);
    (sim, url, running)
}

async fn post(url: &str, token: &str, body: &Value) -> Value {
    reqwest::Client::new()
        .post(url)
        .header("authorization", token)
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_documents_request_gets_the_documents_shape() {
    let (_sim, url, _r) = start(50).await;
    let answer = post(&url, TOKEN, &fixture("damaijia", "search-request")).await;
    assert_eq!(answer["status"], 0);
    assert_eq!(answer["data"]["size"], 3, "numbers sent as strings are read");
    assert_eq!(answer["data"]["shop_order_list"].as_array().unwrap().len(), 3);
    assert_same_shape("$", &answer, &fixture("damaijia", "search-success"));
    let order = &answer["data"]["shop_order_list"][0];
    let sku = &order["sku_order_list"][0];
    assert_eq!(sku["parent_order_id"], order["order_id"]);
    let exact: u64 = sku["product_id_str"].as_str().unwrap().parse().unwrap();
    assert_ne!(sku["product_id"].to_string(), exact.to_string(), "product_id is the lossy one");
    assert!(order["encrypt_post_tel"].as_str().unwrap().starts_with('$'));
}

#[tokio::test]
async fn the_documented_error_codes() {
    let (sim, url, _r) = start(10).await;
    let request = fixture("damaijia", "search-request");
    assert_eq!(post(&url, "wrong", &request).await["status"], 204);
    let mut other_shop = request.clone();
    other_shop["shop_id"] = json!("999");
    assert_eq!(post(&url, TOKEN, &other_shop).await["status"], 302);
    assert_eq!(
        post(&url, TOKEN, &json!({"shop_id": "1212212121", "params": {"page": 0, "size": 10}})).await["status"],
        100
    );
    let too_big = json!({"shop_id": "1212212121", "params": {"create_time_start": 0, "page": 0, "size": 101}});
    assert_eq!(post(&url, TOKEN, &too_big).await["status"], 100);
    sim.fail_next(&[101, 200]);
    let answer = post(&url, TOKEN, &request).await;
    assert_eq!((answer["status"].clone(), answer["msg"].clone()), (json!(101), json!("请求超时,请重试")));
    assert_eq!(post(&url, TOKEN, &request).await["status"], 200);
    assert_eq!(post(&url, TOKEN, &request).await["status"], 0);
}

#[tokio::test]
async fn zero_based_pages_by_update_time_cover_the_window_once() {
    let (sim, url, _r) = start(330).await;
    let truth = sim.truth();
    let (lo, hi) = (1_638_500_000i64, 1_640_000_000i64);
    let expected: HashSet<String> = truth
        .iter()
        .filter(|o| (lo..=hi).contains(&o["update_time"].as_i64().unwrap()))
        .map(|o| o["order_id"].as_str().unwrap().to_string())
        .collect();
    let mut seen = Vec::new();
    for page in 0.. {
        let body = json!({"shop_id": "1212212121", "params": {
            "create_time_start": 0, "update_time_start": lo, "update_time_end": hi,
            "order_by": "update_time", "order_asc": true, "page": page, "size": 100}});
        let answer = post(&url, TOKEN, &body).await;
        assert_eq!(answer["data"]["total"], expected.len());
        let list = answer["data"]["shop_order_list"].as_array().unwrap().clone();
        if list.is_empty() {
            break;
        }
        let times: Vec<i64> = list.iter().map(|o| o["update_time"].as_i64().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "ascending by update time");
        seen.extend(list.iter().map(|o| o["order_id"].as_str().unwrap().to_string()));
    }
    assert_eq!(seen.len(), expected.len());
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), expected);
}
