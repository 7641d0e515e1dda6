//! The Shoptima simulator over real HTTP: the document's requests and answers,
//! auth, paging edges, filters and every documented error answer.

use super::*;
use crate::serve;
use crate::test_support::assert_same_shape;
use reqwest::Client;
use std::collections::HashSet;

const TOKEN: &str = "test-token";

struct Fixture {
    sim: ShoptimaSim,
    base: String,
    client: Client,
    _running: crate::Running,
}

async fn start(orders: u64) -> Fixture {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config =
        ShoptimaConfig { token: TOKEN.into(), orders, seed: 9, anchor: 1_700_000_000, ..ShoptimaConfig::default() };
    let sim = ShoptimaSim::new(&config);
    let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "/api/v1").await.unwrap();
    Fixture { base: running.base_url.clone(), sim, client: Client::new(), _running: running }
}

impl Fixture {
    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.client.get(format!("{}{path}", self.base)).bearer_auth(TOKEN).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: &str) -> Value {
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Every order number of a listing, following pages to the last.
    async fn list_all(&self, query: &str) -> Vec<String> {
        let mut numbers = Vec::new();
        for page in 1.. {
            let (_, body) = self.get(&format!("/order?rows=120&page={page}&{query}")).await;
            let data = &body["data"];
            numbers
                .extend(data["data"].as_array().unwrap().iter().map(|o| o["order_num"].as_str().unwrap().to_string()));
            if data["current_page"] == data["last_page"] {
                break;
            }
        }
        numbers
    }
}

fn fixture(name: &str) -> Value {
    crate::test_support::fixture("shoptima", name)
}

#[tokio::test]
async fn list_answers_in_the_documents_shape() {
    let f = start(30).await;
    let (status, body) = f.get("/order?rows=10&page=1").await;
    assert_eq!(status, 200);
    assert_same_shape("$", &body, &fixture("list-success"));
    assert_eq!(body["data"]["per_page"], 10);
}

#[tokio::test]
async fn detail_answers_in_the_documents_shape_plus_the_tables_refund_fields() {
    let f = start(5).await;
    let number = f.sim.truth()[0]["order_num"].as_str().unwrap().to_string();
    let (_, body) = f.get(&format!("/order/{number}/detail")).await;
    let mut ours = body.clone();
    // The table lists these for an order; the detail example predates them.
    for extra in ["is_refund", "refund_type", "shipping_time", "refund_price"] {
        assert!(ours["data"].as_object_mut().unwrap().remove(extra).is_some(), "{extra}");
    }
    for goods in ours["data"]["order_goods"].as_array_mut().unwrap() {
        goods.as_object_mut().unwrap().remove("is_refund");
    }
    assert_same_shape("$", &ours, &fixture("detail-success"));
    let (_, missing) = f.get("/order/NO-SUCH-ORDER/detail").await;
    assert_eq!(missing, fixture("detail-error"));
}

#[tokio::test]
async fn wrong_or_missing_token_is_refused_with_401() {
    let f = start(3).await;
    for auth in [None, Some("Bearer nope"), Some(TOKEN)] {
        let mut request = f.client.get(format!("{}/order", f.base));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{auth:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], "error");
    }
    assert_eq!(f.sim.requests()["GET /order"], 3, "refused requests are counted");
}

#[tokio::test]
async fn paging_covers_every_order_once_with_rows_capped_at_120() {
    let f = start(400).await;
    let truth = f.sim.truth();
    let expected: HashSet<String> =
        truth.iter().filter(|o| o["is_refund"] == 0).map(|o| o["order_num"].as_str().unwrap().to_string()).collect();
    let listed = f.list_all("").await;
    assert_eq!(listed.len(), expected.len(), "no duplicates across pages");
    assert_eq!(listed.iter().cloned().collect::<HashSet<_>>(), expected);

    let (_, body) = f.get("/order?rows=500&page=1").await;
    assert_eq!(body["data"]["per_page"], 120);
    assert_eq!(body["data"]["data"].as_array().unwrap().len(), 120);
    assert_eq!(body["data"]["total"], expected.len());
    assert_eq!(body["data"]["last_page"], expected.len().div_ceil(120));

    let (_, past) = f.get("/order?rows=120&page=99").await;
    assert_eq!(past["data"]["data"], json!([]));
    assert_eq!(past["data"]["from"], Value::Null);
    assert_eq!(past["data"]["next_page_url"], Value::Null);
}

#[tokio::test]
async fn filters_follow_the_document() {
    let f = start(400).await;
    let truth = f.sim.truth();
    let count = |pred: &dyn Fn(&Value) -> bool| truth.iter().filter(|o| pred(o)).count();
    let (begin, end) = (1_700_000_000 - 10 * 86_400, 1_700_000_000 - 2 * 86_400);
    let in_range = |t: &Value| t.as_i64().is_some_and(|t| t >= begin && t <= end);

    // Default time_type 1 filters pay time: unpaid orders are left out.
    let by_pay = f.list_all(&format!("begin_time={begin}&end_time={end}")).await;
    assert_eq!(by_pay.len(), count(&|o| o["is_refund"] == 0 && in_range(&o["pay_time"])));
    let by_order = f.list_all(&format!("begin_time={begin}&end_time={end}&time_type=2")).await;
    assert_eq!(by_order.len(), count(&|o| o["is_refund"] == 0 && in_range(&o["order_time"])));
    assert!(by_order.len() > by_pay.len(), "unpaid orders only show by order time");

    let refunds = f.list_all("is_refund=1").await;
    assert_eq!(refunds.len(), count(&|o| o["is_refund"] == 1));
    assert!(!refunds.is_empty());
    let unpaid = f.list_all("status=0").await;
    assert_eq!(unpaid.len(), count(&|o| o["is_refund"] == 0 && o["status"] == 0));

    // Newest first.
    let (_, body) = f.get("/order?rows=120&time_type=2").await;
    let times: Vec<i64> =
        body["data"]["data"].as_array().unwrap().iter().map(|o| o["order_time"].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));

    let (_, bad) = f.get("/order?rows=abc").await;
    assert_eq!(bad["status"], "error");
    assert_eq!(bad["code"], 400);
}

#[tokio::test]
async fn shipping_changes_the_truth_and_answers_per_order() {
    let f = start(50).await;
    let target = f.sim.truth().into_iter().find(|o| o["status"] == 1).unwrap();
    let number = target["order_num"].as_str().unwrap();
    let body = format!(
        r#"[{{"order_num":"{number}","tracking_number":"SF123","shipping_channel_code":"SF"}},
            {{"order_num":"asda-20200519-00sdf3","tracking_number":"X","shipping_channel_code":"SF"}},
            {{"order_num":"{number}","tracking_number":"","shipping_channel_code":"SF"}}]"#
    );
    let answer = f.send(reqwest::Method::POST, "/order/shippingOrders", &body).await;
    assert_eq!(answer["status"], "success");
    assert_eq!(answer["data"]["success"], json!([{"order_number": number, "message": "发货成功", "code": 200}]));
    assert_eq!(answer["data"]["error"][0]["code"], 404);
    assert_eq!(answer["data"]["error"][1]["code"], 400);
    let after = f.sim.truth().into_iter().find(|o| o["order_num"] == number).unwrap();
    assert_eq!(after["status"], 2);
    assert_eq!(after["tracking_number"], "SF123");
    assert_eq!(after["shipping_channel_code"], "SF");
    assert!(after["shipping_time"].as_i64().is_some());

    // The document's request example names orders that do not exist here.
    let example = serde_json::to_string(&fixture("ship-request")).unwrap();
    let answer = f.send(reqwest::Method::POST, "/order/shippingOrders", &example).await;
    assert_eq!(answer["data"]["error"].as_array().unwrap().len(), 2);
    let answer = f.send(reqwest::Method::POST, "/order/shippingOrders", "{not json").await;
    assert_eq!(answer, fixture("ship-error"));
}

#[tokio::test]
async fn status_and_order_updates_follow_the_document() {
    let f = start(20).await;
    // The document's examples name orders that do not exist here: its failure answers.
    let example = serde_json::to_string(&fixture("update-status-request")).unwrap();
    let answer = f.send(reqwest::Method::PATCH, "/order/updateStatus", &example).await;
    assert_eq!(answer, fixture("update-status-error"));
    let example = serde_json::to_string(&fixture("batch-update-request")).unwrap();
    let answer = f.send(reqwest::Method::PATCH, "/order/batchUpdateOrder", &example).await;
    assert_same_shape("$", &answer, &fixture("batch-update-error"));
    assert_eq!(answer["data"]["errorOrderNums"], json!(["TEST-20200202001"]));

    let number = f.sim.truth()[0]["order_num"].as_str().unwrap().to_string();
    let body = json!({"status": 3, "order_nums": [number, "NOPE"]}).to_string();
    let answer = f.send(reqwest::Method::PATCH, "/order/updateStatus", &body).await;
    assert_same_shape("$", &answer, &fixture("update-status-success"));
    assert_eq!(answer["message"], "修改订单数为1条");
    let body = json!({ number.clone(): {"city": "San Jose", "postcode": "95131"} }).to_string();
    let answer = f.send(reqwest::Method::PATCH, "/order/batchUpdateOrder", &body).await;
    assert_same_shape("$", &answer, &fixture("batch-update-success"));
    let after = f.sim.truth().into_iter().find(|o| o["order_num"] == number.as_str()).unwrap();
    assert_eq!((after["status"].clone(), after["city"].clone()), (json!(3), json!("San Jose")));
}
