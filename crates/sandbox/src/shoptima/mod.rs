//! The Shoptima simulator (`shoptima-orders.md`).
//!
//! Endpoints, under the base path `/api/v1`:
//! - `GET /order`: Laravel-style pages (`rows` ≤ 120, default 10; `page`;
//!   `last_page`, `total`), newest order first; filters `status`, `is_refund`
//!   (default 0: refund orders are listed only with `is_refund=1`), and
//!   `begin_time`/`end_time` on pay time (`time_type=1`, the default, which leaves
//!   out unpaid orders) or order time (`time_type=2`); both bounds inclusive.
//! - `GET /order/{order_num}/detail`; an unknown number answers code 401 "没有找到订单".
//! - `PATCH /order/updateStatus`, `PATCH /order/batchUpdateOrder`,
//!   `POST /order/shippingOrders`: change the truth and answer per order.
//!
//! The document does not say how Shoptima authenticates. The simulator expects
//! `Authorization: <scheme> <token>` (scheme `Bearer` by default) and answers a
//! missing or wrong one with HTTP 401 `{"status":"error","code":401,"message":"Unauthenticated."}`.
//!
//! Admin API for tests: `GET /_sandbox/truth` (every order as `GET /order` would
//! show it, by order number) and `GET /_sandbox/stats` (requests per endpoint).

mod generate;
mod order;

pub use generate::{GeneratorSpec, generate, number_orders, store_date};
pub use order::{SimGoods, SimOrder, money};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

/// How to make a Shoptima simulator.
#[derive(Debug, Clone)]
pub struct ShoptimaConfig {
    /// The token the simulator accepts.
    pub token: String,
    /// The word before the token in `Authorization`; empty expects the bare token.
    pub auth_scheme: String,
    /// How many orders to generate.
    pub orders: u64,
    pub seed: u64,
    /// The platform's "now" when the orders were made (unix seconds).
    pub anchor: i64,
    /// Orders are spread over this many seconds before `anchor`.
    pub span_seconds: i64,
    /// Prefix of generated order numbers.
    pub prefix: String,
    /// Serve the document's example orders, verbatim, instead of generated
    /// ones (`orders` and `seed` are then unused): the `examples` data set.
    pub examples: bool,
}

impl Default for ShoptimaConfig {
    fn default() -> Self {
        ShoptimaConfig {
            token: "sandbox-shoptima-token".into(),
            auth_scheme: "Bearer".into(),
            orders: 1000,
            seed: 1,
            anchor: crate::default_anchor(),
            span_seconds: 28 * 86_400,
            prefix: "asda".into(),
            examples: false,
        }
    }
}

/// Shoptima for the fault layer: endpoints `list`, `detail`, `update_status`,
/// `batch_update`, `ship`; the document's server-error answer; business errors
/// in its `status: error` envelope with HTTP 200 (`busy` is code 500).
pub static SPEC: crate::faults::SimSpec = crate::faults::SimSpec {
    name: "shoptima",
    endpoints: &[
        ("list", "GET /order"),
        ("detail", "GET /order/{order_num}/detail"),
        ("update_status", "PATCH /order/updateStatus"),
        ("batch_update", "PATCH /order/batchUpdateOrder"),
        ("ship", "POST /order/shippingOrders"),
    ],
    endpoint_of,
    server_error_body: Some(|| json!({"status": "error", "code": 500, "message": "服务器错误,请刷新后重试"})),
    business_error: Some(|code| match code {
        None | Some(500) => failure(500, "服务器错误,请刷新后重试"),
        Some(code) => failure(u16::try_from(code).unwrap_or(400), "请求失败"),
    }),
};

fn endpoint_of(method: &axum::http::Method, path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix("/api/v1/order")?;
    Some(match (method.as_str(), rest) {
        ("GET", "" | "/") => "list",
        ("PATCH", "/updateStatus") => "update_status",
        ("PATCH", "/batchUpdateOrder") => "batch_update",
        ("POST", "/shippingOrders") => "ship",
        ("GET", r) if r.ends_with("/detail") => "detail",
        _ => return None,
    })
}

/// A Shoptima platform held in memory. Cheap to clone: clones share the orders.
#[derive(Debug, Clone)]
pub struct ShoptimaSim {
    state: Arc<Mutex<SimState>>,
    faults: crate::faults::Faults,
    expected_authorization: Arc<str>,
}

/// What the list's filters read of an order, kept apart from the (large) orders
/// so that a page's scan touches 24 bytes an order instead of a whole order.
#[derive(Debug, Clone, Copy)]
struct ListKey {
    order_time: i64,
    /// 0 when unpaid.
    pay_time: i64,
    is_refund: i64,
    status: i64,
}

#[derive(Debug, Default)]
struct SimState {
    /// Newest first: (order_time, seq) descending, the order `GET /order` lists in.
    orders: Vec<SimOrder>,
    /// `keys[i]` is what the filters read of `orders[i]`.
    keys: Vec<ListKey>,
    /// order_num → position in `orders`.
    index: HashMap<String, usize>,
    /// Positions each recent listing keeps, by its filters; forgotten with the keys.
    kept: crate::listing::KeptPositions<ListingFilters>,
}

/// A listing's filters, everything but the page: time_type, begin, end, status, is_refund.
type ListingFilters = (i64, Option<i64>, Option<i64>, Option<i64>, i64);

impl SimState {
    fn reindex(&mut self) {
        self.orders.sort_by_key(|o| std::cmp::Reverse((o.order_time, o.seq)));
        self.index = self.orders.iter().enumerate().map(|(i, o)| (o.order_num.clone(), i)).collect();
        self.rekey();
    }

    /// Refreshes the filter keys after orders changed in place (same positions).
    fn rekey(&mut self) {
        self.kept.clear();
        self.keys = self
            .orders
            .iter()
            .map(|o| ListKey {
                order_time: o.order_time,
                pay_time: o.pay_time.unwrap_or(0),
                is_refund: o.is_refund,
                status: o.status,
            })
            .collect();
    }

    /// An order a write may change. The examples data set's orders are the
    /// document's, as it shows them: writes find none of them.
    fn find_mut(&mut self, order_num: &str) -> Option<&mut SimOrder> {
        let at = *self.index.get(order_num)?;
        self.orders.get_mut(at).filter(|o| o.verbatim.is_none())
    }
}

impl ShoptimaSim {
    /// A simulator holding `config.orders` generated orders.
    pub fn new(config: &ShoptimaConfig) -> Self {
        let spec = GeneratorSpec { seed: config.seed, anchor: config.anchor, span_seconds: config.span_seconds };
        let orders = if config.examples {
            examples()
        } else {
            let mut orders: Vec<SimOrder> = (0..config.orders).map(|i| generate(&spec, i)).collect();
            number_orders(&mut orders, &config.prefix);
            orders
        };
        let mut state = SimState { orders, ..SimState::default() };
        state.reindex();
        let scheme = config.auth_scheme.trim();
        let expected = if scheme.is_empty() { config.token.clone() } else { format!("{scheme} {}", config.token) };
        ShoptimaSim {
            state: Arc::new(Mutex::new(state)),
            faults: crate::faults::Faults::new(&SPEC, config.seed),
            expected_authorization: expected.into(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every order as `GET /order` would show it now, sorted by order number.
    pub fn truth(&self) -> Vec<Value> {
        let state = self.lock();
        let mut orders: Vec<&SimOrder> = state.orders.iter().collect();
        orders.sort_by(|a, b| a.order_num.cmp(&b.order_num));
        orders.into_iter().map(SimOrder::to_list_json).collect()
    }

    /// Changes one order in place; false when there is no such order.
    pub fn mutate(&self, order_num: &str, change: impl FnOnce(&mut SimOrder)) -> bool {
        let mut state = self.lock();
        let Some(order) = state.find_mut(order_num) else { return false };
        change(order);
        state.reindex();
        true
    }

    /// Moves up to `count` orders one step along their lifecycle, as buyers and
    /// sellers would: unpaid → paid, paid or pre-advised → shipped, shipped →
    /// refund requested (now and then). Returns the order numbers changed.
    pub fn churn(&self, count: usize, round: u64) -> Vec<String> {
        self.move_orders(None, count, round).unwrap_or_default()
    }

    /// Moves one order one step along its lifecycle, as [`ShoptimaSim::churn`]
    /// would; `None` when there is no such order, `Some(false)` when it is in a
    /// final state (or of the examples data set) and did not move.
    pub fn advance(&self, number: &str) -> Option<bool> {
        self.move_orders(Some(number), 1, 0).map(|moved| !moved.is_empty())
    }

    /// [`ShoptimaSim::churn`] of `count` orders picked at random, or of `only`.
    fn move_orders(&self, only: Option<&str>, count: usize, round: u64) -> Option<Vec<String>> {
        let mut state = self.lock();
        let picks = match only {
            Some(number) => crate::lifecycle::Picks::At(state.index.get(number).copied()?),
            None => crate::lifecycle::Picks::Random { count, round },
        };
        let changed = crate::lifecycle::move_orders(&mut state.orders, picks, 0x5348_4f50, crate::unix_now());
        state.rekey();
        Some(changed)
    }

    /// Its fault plan and request log.
    pub fn faults(&self) -> &crate::faults::Faults {
        &self.faults
    }

    /// Requests per endpoint so far (`"GET /order"` → count).
    pub fn requests(&self) -> BTreeMap<String, u64> {
        self.faults.request_counts()
    }

    /// The platform's API and the admin API, with the API under `/api/v1`.
    pub fn router(&self) -> Router {
        let api = Router::new()
            .route("/order", get(list_orders))
            .route("/order/{order_num}/detail", get(order_detail))
            .route("/order/updateStatus", patch(update_status))
            .route("/order/batchUpdateOrder", patch(batch_update_order))
            .route("/order/shippingOrders", post(shipping_orders));
        let router = Router::new()
            .nest("/api/v1", api)
            .merge(crate::admin_routes(crate::Admin {
                truth: ShoptimaSim::truth,
                requests: ShoptimaSim::requests,
                churn: ShoptimaSim::churn,
                advance: ShoptimaSim::advance,
            }))
            .with_state(self.clone());
        crate::faults::with_faults(router, self.faults.clone())
    }

    /// Checks the request's `Authorization` header.
    fn admit(&self, headers: &HeaderMap) -> Result<(), Response> {
        let given = headers.get("authorization").and_then(|v| v.to_str().ok());
        if given == Some(&*self.expected_authorization) {
            Ok(())
        } else {
            let body = json!({"status": "error", "code": 401, "message": "Unauthenticated."});
            Err((StatusCode::UNAUTHORIZED, Json(body)).into_response())
        }
    }
}

/// The document's example orders (`data.data[]` of `GET /order`), served as
/// they are. The document's detail example is another order, not in its list.
pub fn examples() -> Vec<SimOrder> {
    crate::example_orders(include_str!("../../../../fixtures/shoptima/list-success.json"), "/data/data")
        .into_iter()
        .enumerate()
        .map(|(seq, raw)| SimOrder {
            seq: seq as u64,
            order_num: crate::json_text(&raw["order_num"]),
            order_time: raw["order_time"].as_i64().unwrap_or(0),
            pay_time: raw["pay_time"].as_i64().filter(|t| *t > 0),
            is_refund: raw["is_refund"].as_i64().unwrap_or(0),
            status: raw["status"].as_i64().unwrap_or(0),
            verbatim: Some(Arc::new(raw)),
            ..SimOrder::default()
        })
        .collect()
}

fn success(message: &str, data: Value) -> Response {
    Json(crate::object([
        ("status", json!("success")),
        ("code", json!(200)),
        ("message", json!(message)),
        ("data", data),
    ]))
    .into_response()
}

fn success_without_data(message: &str) -> Response {
    Json(json!({"status": "success", "code": 200, "message": message})).into_response()
}

fn failure(code: u16, message: &str) -> Response {
    Json(json!({"status": "error", "code": code, "message": message})).into_response()
}

/// Reads an integer query parameter; absent or empty gives `None`.
fn int_param(query: &HashMap<String, String>, name: &str) -> Result<Option<i64>, Response> {
    match query.get(name).map(|v| v.trim()) {
        None | Some("") => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| failure(400, &format!("参数错误: {name} 必须是整数"))),
    }
}

async fn list_orders(
    State(sim): State<ShoptimaSim>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(denied) = sim.admit(&headers) {
        return denied;
    }
    let params = (|| {
        Ok::<_, Response>((
            int_param(&query, "rows")?
                .unwrap_or(10)
                .clamp(1, sim.faults.page_cap("list").map_or(120, i64::from).min(120)),
            int_param(&query, "page")?.unwrap_or(1).max(1),
            int_param(&query, "status")?,
            int_param(&query, "is_refund")?.unwrap_or(0),
            int_param(&query, "begin_time")?,
            int_param(&query, "end_time")?,
            int_param(&query, "time_type")?.unwrap_or(1),
        ))
    })();
    let (rows, page, status, is_refund, begin, end, time_type) = match params {
        Ok(p) => p,
        Err(e) => return e,
    };
    if time_type != 1 && time_type != 2 {
        return failure(400, "参数错误: time_type 只能是 1 或 2");
    }
    let mut state = sim.lock();
    let SimState { orders, keys, kept, .. } = &mut *state;
    let kept = kept.get((time_type, begin, end, status, is_refund), || {
        // Orders are sorted by order time, newest first: an order-time window
        // is a contiguous range, found by binary search.
        let range = if time_type == 2 {
            let start = end.map_or(0, |e| keys.partition_point(|k| k.order_time > e));
            let stop = begin.map_or(keys.len(), |b| keys.partition_point(|k| k.order_time >= b));
            start..stop.max(start)
        } else {
            0..keys.len()
        };
        let timed = begin.is_some() || end.is_some();
        let wanted = |k: &ListKey| {
            k.is_refund == is_refund
                && status.is_none_or(|s| k.status == s)
                && (time_type == 2
                    || !timed
                    || (k.pay_time != 0
                        && begin.is_none_or(|b| k.pay_time >= b)
                        && end.is_none_or(|e| k.pay_time <= e)))
        };
        range.filter(|&at| wanted(&keys[at])).map(|at| at as u32).collect()
    });
    let total = kept.len() as i64;
    let skip = ((page - 1) * rows) as usize;
    let listed = &kept[skip.min(kept.len())..(skip + rows as usize).min(kept.len())];
    let last_page = ((total + rows - 1) / rows).max(1);
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let path = format!("http://{host}/api/v1/order");
    let page_url = |p: i64| format!("{path}?page={p}");
    let (from, to) =
        if listed.is_empty() { (None, None) } else { (Some(skip as i64 + 1), Some(skip as i64 + listed.len() as i64)) };
    let answer = ListAnswer {
        status: "success",
        code: 200,
        message: "",
        data: ListPage {
            current_page: page,
            data: ListedOrders { orders: orders.as_slice(), at: listed },
            first_page_url: page_url(1),
            from,
            last_page,
            last_page_url: page_url(last_page),
            next_page_url: (page < last_page).then(|| page_url(page + 1)),
            path: &path,
            per_page: rows,
            prev_page_url: (page > 1).then(|| page_url(page - 1)),
            to,
            total,
        },
    };
    // Written under the lock, straight from the records: no `Value` per order.
    let body = serde_json::to_vec(&answer).expect("a list page serialises");
    drop(state);
    crate::json_answer(body)
}

/// `GET /order`'s answer, in the field order of the document's example.
#[derive(Serialize)]
struct ListAnswer<'a> {
    status: &'static str,
    code: i64,
    message: &'static str,
    data: ListPage<'a>,
}

/// The Laravel-style page under `data`.
#[derive(Serialize)]
struct ListPage<'a> {
    current_page: i64,
    data: ListedOrders<'a>,
    first_page_url: String,
    from: Option<i64>,
    last_page: i64,
    last_page_url: String,
    next_page_url: Option<String>,
    path: &'a str,
    per_page: i64,
    prev_page_url: Option<String>,
    to: Option<i64>,
    total: i64,
}

/// A page's orders, by their places in the simulator's records.
struct ListedOrders<'a> {
    orders: &'a [SimOrder],
    at: &'a [u32],
}

impl Serialize for ListedOrders<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.at.iter().map(|&at| self.orders[at as usize].list_json()))
    }
}

async fn order_detail(State(sim): State<ShoptimaSim>, headers: HeaderMap, Path(order_num): Path<String>) -> Response {
    if let Err(denied) = sim.admit(&headers) {
        return denied;
    }
    let state = sim.lock();
    match state.index.get(&order_num) {
        Some(&at) => success("", state.orders[at].to_detail_json()),
        None => failure(401, "没有找到订单"),
    }
}

/// Reads a JSON body leniently: a body that is not JSON gets the endpoint's failure answer.
fn json_body(body: &[u8]) -> Option<Value> {
    serde_json::from_slice(body).ok()
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

async fn update_status(State(sim): State<ShoptimaSim>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if let Err(denied) = sim.admit(&headers) {
        return denied;
    }
    let Some(body) = json_body(&body) else { return failure(400, "修改失败") };
    let status = body.get("status").and_then(|s| text_of(s)?.parse::<i64>().ok());
    let numbers: Vec<String> = body
        .get("order_nums")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(text_of).collect())
        .unwrap_or_default();
    let Some(status @ 0..=3) = status else { return failure(400, "修改失败") };
    let mut state = sim.lock();
    let mut changed = 0;
    for number in &numbers {
        if let Some(order) = state.find_mut(number) {
            order.status = status;
            changed += 1;
        }
    }
    state.rekey();
    if changed == 0 {
        return failure(400, "修改失败");
    }
    success_without_data(&format!("修改订单数为{changed}条"))
}

async fn batch_update_order(State(sim): State<ShoptimaSim>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if let Err(denied) = sim.admit(&headers) {
        return denied;
    }
    let Some(Value::Object(updates)) = json_body(&body) else { return failure(400, "修改失败") };
    let mut state = sim.lock();
    let mut errors = Vec::new();
    let mut changed = 0;
    for (number, fields) in updates {
        let (Some(order), Value::Object(fields)) = (state.find_mut(&number), fields) else {
            errors.push(Value::String(number));
            continue;
        };
        for (key, value) in fields {
            let text = text_of(&value);
            match key.as_str() {
                "tracking_number" => order.tracking_number = text,
                "province" => order.province = text.map(Into::into),
                "city" => order.city = text.map(Into::into),
                "district" => order.district = text.map(Into::into),
                "area" => order.area = text.map(Into::into),
                "address" => order.address = text.map(Into::into),
                "address2" => order.address2 = text,
                "postcode" => order.postcode = text.map(Into::into),
                "email" => order.email = text,
                "phone" => order.phone = text,
                "country" => order.country = text.map(Into::into),
                "shipping_channel_code" => order.shipping_channel_code = text.map(Into::into),
                "status" => {
                    if let Some(status @ 0..=3) = text.and_then(|t| t.parse().ok()) {
                        order.status = status;
                    }
                }
                _ => {}
            }
        }
        changed += 1;
    }
    state.rekey();
    success(&format!("成功修改{changed}条数据"), json!({ "errorOrderNums": errors }))
}

async fn shipping_orders(State(sim): State<ShoptimaSim>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if let Err(denied) = sim.admit(&headers) {
        return denied;
    }
    let Some(Value::Array(requests)) = json_body(&body) else {
        return failure(400, "发货失败,检查数据是否正确");
    };
    let now = crate::unix_now();
    let mut state = sim.lock();
    let (mut errors, mut successes) = (Vec::new(), Vec::new());
    for request in requests {
        let number = request.get("order_num").and_then(text_of).unwrap_or_default();
        let tracking = request.get("tracking_number").and_then(text_of).filter(|t| !t.trim().is_empty());
        let channel = request.get("shipping_channel_code").and_then(text_of);
        let answer = |message: &str, code: u16| json!({"order_number": number, "message": message, "code": code});
        let Some(tracking) = tracking else {
            errors.push(answer("缺少物流追踪号", 400));
            continue;
        };
        match state.find_mut(&number) {
            None => errors.push(answer("没有找到订单", 404)),
            Some(order) => {
                order.tracking_number = Some(tracking);
                order.shipping_channel_code = channel.map(Into::into);
                order.status = 2;
                order.shipping_time = Some(now.max(order.pay_time.unwrap_or(now)));
                successes.push(answer("发货成功", 200));
            }
        }
    }
    state.rekey();
    success("发货成功", json!({"error": errors, "success": successes}))
}

impl crate::Simulator for ShoptimaSim {
    fn router(&self) -> Router {
        ShoptimaSim::router(self)
    }

    fn faults(&self) -> &crate::faults::Faults {
        ShoptimaSim::faults(self)
    }

    fn churn(&self, count: usize, round: u64) -> Vec<String> {
        ShoptimaSim::churn(self, count, round)
    }

    fn order_count(&self) -> usize {
        self.lock().orders.len()
    }

    fn awaiting_shipment(&self) -> Vec<String> {
        let state = self.lock();
        let awaiting = state.orders.iter().filter(|o| o.status == 1 && o.is_refund == 0);
        awaiting.map(|o| o.order_num.clone()).collect()
    }
}

/// The sandbox's shoptima simulator (`crate::simulator`).
pub static SIMULATOR: crate::SimulatorEntry = crate::SimulatorEntry {
    spec: &SPEC,
    shop_key: "belment",
    base_path: "/api/v1",
    start: |settings| {
        let config = ShoptimaConfig {
            orders: settings.orders,
            seed: settings.seed,
            anchor: settings.anchor,
            examples: settings.examples,
            ..ShoptimaConfig::default()
        };
        crate::Started {
            simulator: std::sync::Arc::new(ShoptimaSim::new(&config)),
            token: config.token.clone(),
            remote_shop_id: None,
            span_seconds: config.span_seconds,
        }
    },
    paging: Some(crate::Paging {
        request: |of| crate::PageRequest {
            post: false,
            path: format!("/order?time_type=2&rows=120&page={}", of.page),
            headers: vec![("authorization", format!("Bearer {}", of.token))],
            body: None,
        },
        count: |body, served| crate::simulator::count_data_page(body, served, false),
    }),
};

#[cfg(test)]
mod tests;
