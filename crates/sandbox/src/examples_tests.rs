//! The `examples` data set over real HTTP: every simulator answers with the
//! document's example orders exactly as the document prints them (field names,
//! key order, JSON types, `6.00` and ids above 2^53 as written), not just in the
//! same shape. The documents' answers are not consistent with their own requests
//! (Wshoto's `total` is 5 beside two records, outside the request's window), so
//! the requests here ask for everything, and the orders are what is compared.

use crate::*;
use serde_json::{Value, json};

async fn start(router: axum::Router) -> Running {
    let _ = rustls::crypto::ring::default_provider().install_default();
    serve(router, "127.0.0.1:0".parse().unwrap(), "").await.unwrap()
}

async fn answer(request: reqwest::RequestBuilder) -> Value {
    let text = request.send().await.unwrap().text().await.unwrap();
    serde_json::from_str(&text).unwrap()
}

fn documented(platform: &str, name: &str, list: &str) -> Value {
    crate::test_support::fixture(platform, name).pointer(list).unwrap().clone()
}

/// Equal as JSON text: `Value` equality with arbitrary precision already tells
/// `6.00` from `6.0`; the text also checks the key order.
fn assert_verbatim(ours: &Value, documented: &Value) {
    assert_eq!(serde_json::to_string(ours).unwrap(), serde_json::to_string(documented).unwrap());
}

#[tokio::test]
async fn wshoto_serves_the_documents_records() {
    let config = WshotoConfig { examples: true, ..WshotoConfig::default() };
    let running = start(WshotoSim::new(&config).router()).await;
    let url = format!("{}/openapi/mall/order/list?access_token={}", running.base_url, config.access_token);
    let body = json!({"type": 3, "start_time": 0, "end_time": 4_000_000_000i64, "current_index": 1, "page_size": 100});
    let page = answer(reqwest::Client::new().get(url).json(&body)).await;
    assert_eq!(page["data"]["total"], 2);
    assert_verbatim(&page["data"]["records"], &documented("wshoto", "list-success", "/data/records"));
}

#[tokio::test]
async fn westmonth_serves_the_documents_order_by_number_and_by_window() {
    let config = WestmonthConfig { examples: true, ..WestmonthConfig::default() };
    let running = start(WestmonthSim::new(&config).router()).await;
    let url = format!("{}/openapi/v2/order/status", running.base_url);
    let expected = documented("westmonth", "status-success", "/data/data");
    let request = crate::test_support::fixture("westmonth", "status-request");
    let page = answer(reqwest::Client::new().post(&url).header("authorization", &config.token).json(&request)).await;
    assert_verbatim(&page["data"]["data"], &expected);
    let window = json!({"type": 4, "start_time": "2025-01-01 00:00:00", "end_time": "2025-12-31 23:59:59"});
    let page = answer(reqwest::Client::new().post(&url).header("authorization", &config.token).json(&window)).await;
    assert_verbatim(&page["data"]["data"], &expected);
}

#[tokio::test]
async fn damaijia_serves_the_documents_shop_orders() {
    let config = DamaijiaConfig { examples: true, ..DamaijiaConfig::default() };
    let running = start(DamaijiaSim::new(&config).router()).await;
    let url = format!("{}/vv/external/requestDyErp/order-searchList", running.base_url);
    // The document's request, with this simulator's shop, asking newest first like its answer.
    let mut request = crate::test_support::fixture("damaijia", "search-request");
    request["shop_id"] = json!(config.shop_id);
    request["params"]["size"] = json!("10");
    let page = answer(reqwest::Client::new().post(url).header("authorization", &config.token).json(&request)).await;
    assert_eq!(page["data"]["total"], 2);
    assert_verbatim(
        &page["data"]["shop_order_list"],
        &documented("damaijia", "search-success", "/data/shop_order_list"),
    );
}

#[tokio::test]
async fn shoptima_serves_the_documents_orders_and_takes_no_writes_to_them() {
    let config = ShoptimaConfig { examples: true, ..ShoptimaConfig::default() };
    let running = start(ShoptimaSim::new(&config).router()).await;
    let client = reqwest::Client::new();
    let auth = format!("Bearer {}", config.token);
    let page =
        answer(client.get(format!("{}/api/v1/order?rows=120", running.base_url)).header("authorization", &auth)).await;
    assert_verbatim(&page["data"]["data"], &documented("shoptima", "list-success", "/data/data"));
    let ship = json!([{"order_num": "asda-20200521-001", "tracking_number": "SF1", "shipping_channel_code": "SF"}]);
    let shipped = answer(
        client
            .post(format!("{}/api/v1/order/shippingOrders", running.base_url))
            .header("authorization", &auth)
            .json(&ship),
    )
    .await;
    assert_eq!(shipped["data"]["error"][0]["code"], 404, "{shipped}");
}

#[tokio::test]
async fn vanmall_serves_the_documents_order() {
    let config = VanmallConfig { examples: true, ..VanmallConfig::default() };
    let sim = VanmallSim::new(&config);
    let running = start(sim.router()).await;
    let number = sim.order_numbers().pop().unwrap();
    let url = format!("{}/manager/api/apps/openapi/order/info", running.base_url);
    let request = reqwest::Client::new().get(url).header("open-access-token", &config.token);
    let found = answer(request.json(&json!({"order_number": number}))).await;
    assert_verbatim(&found, &crate::test_support::fixture("vanmall", "order-info-success"));
}
