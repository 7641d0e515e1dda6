//! The VanMall (Fecmall-based store) simulator (`vanmall-order-info.md`).
//!
//! `GET /manager/api/apps/openapi/order/info` with header `open-access-token`
//! and a JSON body `{order_number}`; the answer is `{"code":200,"data":
//! {"order_info":{…},"pay_txn_id":"…"},"message":"success"}`. There is no list:
//! orders are asked for by number. Orders are built on the document's example
//! order as a template, so field names and JSON types are the document's
//! (times as wall-clock strings, `0` for "never", `billingAddress` as `[]`).
//!
//! Where the document is silent: an unknown number answers
//! `{"code":404,"message":"order not found","data":[]}`, a wrong token
//! `{"code":401,"message":"invalid open-access-token","data":[]}`, a body without
//! `order_number` `{"code":400,…}`; all with HTTP 200.
//!
//! Admin: `GET /_sandbox/truth`, `GET /_sandbox/stats`, `POST /_sandbox/churn`,
//! and the fault layer's routes (endpoint `info`; no business "busy" code in
//! the document, so `busy` is refused: use `5xx`).

use crate::Rng;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

const EXAMPLE: &str = include_str!("../../../../fixtures/vanmall/order-info-success.json");

static TEMPLATE: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str::<Value>(EXAMPLE).expect("the document's example is JSON")["data"]["order_info"].clone()
});

/// A VanMall order as the platform holds it: the `order_info` object itself.
#[derive(Debug, Clone)]
pub struct VanmallSimOrder {
    pub order_number: String,
    pub order_info: Value,
    /// The example's own `pay_txn_id` (the `examples` data set); generated
    /// orders answer `PAYID-<number>` once paid.
    pub example_txn: Option<Value>,
}

impl crate::lifecycle::Lifecycle for VanmallSimOrder {
    fn number(&self) -> &str {
        &self.order_number
    }

    fn is_example(&self) -> bool {
        self.example_txn.is_some()
    }

    /// Awaiting payment → paid → fulfilled, stamping `updated_at` in the
    /// store's wall-clock time.
    fn step(&mut self, now: i64, _rng: &mut crate::Rng) -> bool {
        let now = store_time(now);
        let info = &mut self.order_info;
        match (info["order_status"].as_i64(), info["payment_status"].as_i64(), info["fulfillment_status"].as_i64()) {
            (Some(2), Some(1 | 2), _) => {
                info["payment_status"] = json!(3);
                info["payed_at"] = json!(now);
            }
            (Some(2), Some(3), Some(1 | 2)) => {
                info["fulfillment_status"] = json!(5);
                info["fulfilled_at"] = json!(now);
            }
            _ => return false,
        }
        info["updated_at"] = json!(now);
        true
    }
}

/// How to make a VanMall simulator.
#[derive(Debug, Clone)]
pub struct VanmallConfig {
    pub token: String,
    pub orders: u64,
    pub seed: u64,
    pub anchor: i64,
    pub span_seconds: i64,
    /// Serve the document's example order, verbatim, instead of generated
    /// ones (`orders` and `seed` are then unused): the `examples` data set.
    pub examples: bool,
}

impl Default for VanmallConfig {
    fn default() -> Self {
        VanmallConfig {
            token: "sandbox-vanmall-token".into(),
            orders: 1000,
            seed: 1,
            anchor: crate::default_anchor(),
            span_seconds: 28 * 86_400,
            examples: false,
        }
    }
}

/// A VanMall store held in memory. Clones share the orders.
#[derive(Debug, Clone)]
pub struct VanmallSim {
    state: Arc<Mutex<VanmallState>>,
    faults: crate::faults::Faults,
    token: Arc<str>,
}

/// VanMall for the fault layer: one endpoint, `info`.
pub static SPEC: crate::faults::SimSpec = crate::faults::SimSpec {
    name: "vanmall",
    endpoints: &[("info", "GET /manager/api/apps/openapi/order/info")],
    endpoint_of: |_, path| (path == "/manager/api/apps/openapi/order/info").then_some("info"),
    server_error_body: None,
    business_error: None,
};

#[derive(Debug, Default)]
struct VanmallState {
    orders: BTreeMap<String, VanmallSimOrder>,
}

/// Unix seconds as the store's wall-clock string (China time, as the example's store).
pub fn store_time(unix: i64) -> String {
    static ZONE: LazyLock<jiff::tz::TimeZone> =
        LazyLock::new(|| jiff::tz::TimeZone::get("Asia/Shanghai").expect("bundled time zone database"));
    jiff::Timestamp::from_second(unix)
        .expect("a valid time")
        .to_zoned(ZONE.clone())
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

const PRODUCTS: &[(&str, &str, &str, i64)] = &[
    ("High Ankle Jeans", "Dark Blue", "high-Dark Blue-1004665", 1242),
    ("Linen Summer Shirt", "White / M", "linen-White-M-2001", 2999),
    ("Canvas Tote Bag", "Natural", "tote-natural-3003", 1550),
    ("Wool Beanie", "Charcoal", "beanie-charcoal-4410", 1899),
];

/// Makes order `index` from the document's example order.
pub fn generate(seed: u64, anchor: i64, span: i64, index: u64) -> VanmallSimOrder {
    let mut rng = Rng::fork(seed ^ 0x5641_4e4d, index);
    let created = anchor - rng.range(60, span.max(61));
    // (order_status, payment_status, fulfillment_status)
    let (order_status, payment, fulfillment) = *rng.pick(&[
        (1, 1, 1),
        (2, 2, 1),
        (2, 3, 2),
        (2, 3, 2),
        (2, 3, 4),
        (2, 3, 5),
        (2, 3, 5),
        (2, 4, 5),
        (3, 3, 7),
        (3, 5, 8),
        (4, 2, 1),
    ]);
    let paid = payment >= 3;
    let payed_at = if paid { (created + rng.range(30, 3600)).min(anchor) } else { 0 };
    let fulfilled_at =
        if fulfillment >= 4 { (payed_at.max(created) + rng.range(3600, 3 * 86_400)).min(anchor) } else { 0 };
    let cancelled_at = if order_status == 4 { (created + rng.range(600, 86_400)).min(anchor) } else { 0 };
    let updated = [created, payed_at, fulfilled_at, cancelled_at].into_iter().max().unwrap_or(created);
    let (title, variant, sku, price) = *rng.pick(PRODUCTS);
    let qty = if rng.percent(80) { 1 } else { rng.range(2, 4) };
    let subtotal = price * qty;
    let shipping = *rng.pick(&[0, 0, 500]);
    let discount = if rng.percent(15) { subtotal / 10 } else { 0 };
    let grand = subtotal + shipping - discount;
    let order_id = 1422 + index as i64;
    let number = format!("B2031{:011}", 53_596_224_752u64 + index);
    let mut info = TEMPLATE.clone();
    let t = |v: i64| if v == 0 { json!(0) } else { json!(store_time(v)) };
    for (key, value) in [
        ("id", json!(order_id)),
        ("order_number", json!(number)),
        ("order_status", json!(order_status)),
        ("payment_status", json!(payment)),
        ("fulfillment_status", json!(fulfillment)),
        ("items_count", json!(qty)),
        ("curr_subtotal", json!(money(subtotal))),
        ("base_subtotal", json!(money(subtotal))),
        ("curr_shipping_total", json!(money(shipping))),
        ("base_shipping_total", json!(money(shipping))),
        ("curr_subtotal_with_discount", json!(money(discount))),
        ("base_subtotal_with_discount", json!(money(discount))),
        ("curr_grand_total", json!(money(grand))),
        ("base_grand_total", json!(money(grand))),
        ("customer_id", json!(rng.range(10, 5000))),
        ("customer_email", json!(format!("buyer{index}@example.com"))),
        ("payment_method", json!(if rng.percent(30) { "cod" } else { "paypal" })),
        ("cancelled_at", t(cancelled_at)),
        ("cancel_reason", json!(if order_status == 4 { 1 } else { 0 })),
        ("payed_at", t(payed_at)),
        ("created_at", json!(store_time(created))),
        ("updated_at", json!(store_time(updated))),
        ("fulfilled_at", t(fulfilled_at)),
        ("post_sale_status", json!(if payment == 4 || payment == 5 { 3 } else { 1 })),
    ] {
        info[key] = value;
    }
    let item = &mut info["items"][0];
    for (key, value) in [
        ("id", json!(1792 + index as i64)),
        ("order_id", json!(order_id)),
        ("sku", json!(sku)),
        ("variant_title", json!(variant)),
        ("product_title", json!(title)),
        ("base_price", json!(money(price))),
        ("curr_price", json!(money(price))),
        ("qty", json!(qty)),
        ("curr_row_price", json!(money(subtotal))),
        ("base_row_price", json!(money(subtotal))),
    ] {
        item[key] = value;
    }
    info["shippingAddress"]["order_id"] = json!(order_id);
    // The document's example sends `billingAddress: []`; some orders carry one.
    if rng.percent(30) {
        let mut billing = info["shippingAddress"].clone();
        billing.as_object_mut().map(|b| b.remove("phone"));
        info["billingAddress"] = billing;
    }
    VanmallSimOrder { order_number: number, order_info: info, example_txn: None }
}

/// The document's example order, served as it is (churn leaves it alone).
pub fn examples() -> Vec<VanmallSimOrder> {
    let example: Value = serde_json::from_str(EXAMPLE).expect("the document's example is JSON");
    let info = example["data"]["order_info"].clone();
    vec![VanmallSimOrder {
        order_number: crate::json_text(&info["order_number"]),
        order_info: info,
        example_txn: Some(example["data"]["pay_txn_id"].clone()),
    }]
}

impl VanmallSim {
    pub fn new(config: &VanmallConfig) -> Self {
        let orders = if config.examples {
            examples()
        } else {
            (0..config.orders).map(|i| generate(config.seed, config.anchor, config.span_seconds, i)).collect()
        };
        let orders = orders.into_iter().map(|o| (o.order_number.clone(), o)).collect();
        VanmallSim {
            state: Arc::new(Mutex::new(VanmallState { orders })),
            faults: crate::faults::Faults::new(&SPEC, config.seed),
            token: config.token.as_str().into(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, VanmallState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every order's `order_info`, by number.
    pub fn truth(&self) -> Vec<Value> {
        self.lock().orders.values().map(|o| o.order_info.clone()).collect()
    }

    /// Every order number.
    pub fn order_numbers(&self) -> Vec<String> {
        self.lock().orders.keys().cloned().collect()
    }

    /// Changes one order's `order_info`; false when there is no such order.
    pub fn mutate(&self, number: &str, change: impl FnOnce(&mut Value)) -> bool {
        match self.lock().orders.get_mut(number) {
            Some(order) => {
                change(&mut order.order_info);
                true
            }
            None => false,
        }
    }

    /// Moves up to `count` open orders one step: awaiting payment → paid,
    /// paid → fulfilled. Returns the numbers changed.
    pub fn churn(&self, count: usize, round: u64) -> Vec<String> {
        self.move_orders(None, count, round).unwrap_or_default()
    }

    /// Moves one order one step along its lifecycle, as [`VanmallSim::churn`]
    /// would; `None` when there is no such order, `Some(false)` when it did not move.
    pub fn advance(&self, number: &str) -> Option<bool> {
        self.move_orders(Some(number), 1, 0).map(|moved| !moved.is_empty())
    }

    /// [`VanmallSim::churn`] of `count` orders picked at random, or of `only`.
    fn move_orders(&self, only: Option<&str>, count: usize, round: u64) -> Option<Vec<String>> {
        let now = crate::unix_now();
        let mut state = self.lock();
        let picks = match only {
            Some(number) => crate::lifecycle::Picks::At(state.orders.keys().position(|n| n == number)?),
            None => crate::lifecycle::Picks::Random { count, round },
        };
        let mut orders: Vec<&mut VanmallSimOrder> = state.orders.values_mut().collect();
        Some(crate::lifecycle::move_orders(&mut orders, picks, 0x564d_4348, now))
    }

    pub fn requests(&self) -> BTreeMap<String, u64> {
        self.faults.request_counts()
    }

    /// Its fault plan and request log.
    pub fn faults(&self) -> &crate::faults::Faults {
        &self.faults
    }

    pub fn router(&self) -> Router {
        let router = Router::new()
            .route("/manager/api/apps/openapi/order/info", get(order_info))
            .merge(crate::admin_routes(crate::Admin {
                truth: VanmallSim::truth,
                requests: VanmallSim::requests,
                churn: VanmallSim::churn,
                advance: VanmallSim::advance,
            }))
            .with_state(self.clone());
        crate::faults::with_faults(router, self.faults.clone())
    }
}

fn answer(code: i64, message: &str, data: Value) -> Response {
    Json(crate::object([("code", json!(code)), ("data", data), ("message", json!(message))])).into_response()
}

async fn order_info(State(sim): State<VanmallSim>, headers: HeaderMap, body: Bytes) -> Response {
    if headers.get("open-access-token").and_then(|v| v.to_str().ok()) != Some(&*sim.token) {
        return answer(401, "invalid open-access-token", json!([]));
    }
    let number =
        serde_json::from_slice::<Value>(&body).ok().and_then(|b| b.get("order_number")?.as_str().map(String::from));
    let Some(number) = number else { return answer(400, "order_number is required", json!([])) };
    match sim.lock().orders.get(&number) {
        Some(order) => {
            let txn = match &order.example_txn {
                Some(txn) => txn.clone(),
                None if order.order_info["payed_at"] == 0 => json!(""),
                None => json!(format!("PAYID-{}", order.order_number)),
            };
            answer(200, "success", json!({"order_info": order.order_info, "pay_txn_id": txn}))
        }
        None => answer(404, "order not found", json!([])),
    }
}

impl crate::Simulator for VanmallSim {
    fn router(&self) -> Router {
        VanmallSim::router(self)
    }

    fn faults(&self) -> &crate::faults::Faults {
        VanmallSim::faults(self)
    }

    fn churn(&self, count: usize, round: u64) -> Vec<String> {
        VanmallSim::churn(self, count, round)
    }

    fn order_count(&self) -> usize {
        self.lock().orders.len()
    }
    fn lookup_only_numbers(&self) -> Option<Vec<String>> {
        Some(self.order_numbers())
    }
}

/// The sandbox's vanmall simulator (`crate::simulator`).
pub static SIMULATOR: crate::SimulatorEntry = crate::SimulatorEntry {
    spec: &SPEC,
    shop_key: "fecshop",
    base_path: "",
    start: |settings| {
        let config = VanmallConfig {
            orders: settings.orders,
            seed: settings.seed,
            anchor: settings.anchor,
            examples: settings.examples,
            ..VanmallConfig::default()
        };
        crate::Started {
            simulator: std::sync::Arc::new(VanmallSim::new(&config)),
            token: config.token.clone(),
            remote_shop_id: None,
            span_seconds: config.span_seconds,
        }
    },
    paging: None,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve;
    use crate::test_support::{assert_same_shape, fixture};

    async fn get(url: &str, token: &str, body: &str) -> Value {
        reqwest::Client::new()
            .get(url)
            .header("open-access-token", token)
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
    async fn an_order_by_number_in_the_documents_shape() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = VanmallConfig { token: "t".into(), orders: 40, ..VanmallConfig::default() };
        let sim = VanmallSim::new(&config);
        let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
        let url = format!("{}/manager/api/apps/openapi/order/info", running.base_url);
        let numbers = sim.order_numbers();
        let without_billing = sim.truth().into_iter().find(|o| o["billingAddress"] == json!([])).unwrap();
        let number = without_billing["order_number"].as_str().unwrap();
        let body = json!({"order_number": number}).to_string();
        let found = get(&url, "t", &body).await;
        assert_eq!(found["code"], 200);
        assert_same_shape("$", &found, &fixture("vanmall", "order-info-success"));
        assert_eq!(found["data"]["order_info"]["order_number"], number);
        assert_eq!(numbers.len(), 40);
        assert_eq!(get(&url, "t", r#"{"order_number":"NOPE"}"#).await["code"], 404);
        assert_eq!(get(&url, "wrong", &body).await["code"], 401);
        assert_eq!(get(&url, "t", "{}").await["code"], 400);
        let statuses: std::collections::HashSet<i64> =
            sim.truth().iter().map(|o| o["order_status"].as_i64().unwrap()).collect();
        assert!(statuses.len() >= 3, "{statuses:?}");
    }
}
