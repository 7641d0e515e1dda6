//! The Damaijia (大麦家) Douyin-shop relay simulator (`damaijia-douyin-order-search.md`).
//!
//! `POST /vv/external/requestDyErp/order-searchList` with `Authorization:
//! <access token>` and `{shop_id, params: {create_time_start (required),
//! create_time_end, update_time_start, update_time_end, order_by, order_asc,
//! page (0-based), size (≤ 100)}}`; numbers may come as strings. The answer is
//! `{"data": {"page", "shop_order_list", "size", "total", "deduct_money"}, "status": 0}`,
//! each shop order holding its sku orders; amounts in fen; buyer fields encrypted.
//!
//! Error answers use the document's codes: 100 bad parameters (a missing
//! `create_time_start`, `size` over 100), 302 a `shop_id` this token is not
//! authorised for, 204 a wrong token (no permission). Where the document is
//! silent: errors are HTTP 200 `{"status": code, "msg": "<the table's words>", "data": null}`.
//!
//! Admin: `GET /_sandbox/truth`, `GET /_sandbox/stats`, `POST /_sandbox/churn`,
//! and the fault layer's routes (endpoint `list`; `busy` answers 101 请求超时,请重试,
//! `busy:CODE` any code of the table, e.g. 204 for spent quota).

mod generate;
mod order;

pub use generate::generate;
pub use order::{DamaijiaSimOrder, DamaijiaSku, lossy};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// How to make a Damaijia simulator.
#[derive(Debug, Clone)]
pub struct DamaijiaConfig {
    pub token: String,
    /// The Douyin shop_id the token is authorised for.
    pub shop_id: String,
    pub orders: u64,
    pub seed: u64,
    pub anchor: i64,
    pub span_seconds: i64,
    /// How far the platform's clock runs ahead of ours (negative: behind), in
    /// seconds. Changes made by [`DamaijiaSim::churn`] are stamped with its clock.
    pub clock_offset: i64,
    /// Serve the document's example orders, verbatim, instead of generated
    /// ones (`orders` and `seed` are then unused): the `examples` data set.
    pub examples: bool,
}

impl Default for DamaijiaConfig {
    fn default() -> Self {
        DamaijiaConfig {
            token: "sandbox-damaijia-token".into(),
            shop_id: "20358278".into(),
            orders: 1000,
            seed: 1,
            anchor: crate::default_anchor(),
            span_seconds: 28 * 86_400,
            clock_offset: 0,
            examples: false,
        }
    }
}

/// A Douyin shop behind Damaijia, held in memory. Clones share the orders.
#[derive(Debug, Clone)]
pub struct DamaijiaSim {
    clock_offset: i64,
    state: Arc<Mutex<DamaijiaState>>,
    faults: crate::faults::Faults,
    token: Arc<str>,
    shop_id: Arc<str>,
}

#[derive(Debug, Default)]
struct DamaijiaState {
    orders: Vec<DamaijiaSimOrder>,
    /// By update time (`[0]`) and by create time (`[1]`), ascending, then by
    /// order id: built when first asked for, dropped when an order changes, so
    /// that a page is a binary search and a walk over small entries.
    indexes: [Option<Vec<ListEntry>>; 2],
    /// Positions each recent listing keeps, by its filters; forgotten with the indexes.
    kept: crate::listing::KeptPositions<ListingFilters>,
}

/// A listing's filters: order by update time?, the sort time's range, the other time's range.
type ListingFilters = (bool, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

/// An order's place in an index: the sort time, the other time (which the
/// list may filter on too), and where the order is.
#[derive(Debug, Clone, Copy)]
struct ListEntry {
    key: i64,
    other: i64,
    at: u32,
}

impl DamaijiaState {
    fn index(&mut self, by_update: bool) -> &[ListEntry] {
        let orders = &self.orders;
        self.indexes[usize::from(!by_update)].get_or_insert_with(|| {
            let mut entries: Vec<ListEntry> = orders
                .iter()
                .enumerate()
                .map(|(at, o)| {
                    let (key, other) =
                        if by_update { (o.update_time, o.create_time) } else { (o.create_time, o.update_time) };
                    ListEntry { key, other, at: at as u32 }
                })
                .collect();
            entries.sort_unstable_by(|a, b| {
                (a.key, &orders[a.at as usize].order_id).cmp(&(b.key, &orders[b.at as usize].order_id))
            });
            entries
        })
    }

    fn changed(&mut self) {
        self.indexes = Default::default();
        self.kept.clear();
    }
}

/// Damaijia for the fault layer: one endpoint, `list`; its business errors are
/// the document's status codes (`busy`: 101 请求超时,请重试).
pub static SPEC: crate::faults::SimSpec = crate::faults::SimSpec {
    name: "damaijia",
    endpoints: &[("list", "POST /vv/external/requestDyErp/order-searchList")],
    endpoint_of: |_, path| (path == "/vv/external/requestDyErp/order-searchList").then_some("list"),
    server_error_body: None,
    business_error: Some(|code| failure(code.unwrap_or(101))),
};

/// The document's words for each status code.
pub fn status_message(code: i64) -> &'static str {
    match code {
        100 => "请求参数错误",
        101 => "请求超时,请重试",
        103 => "旺旺账号不存在",
        200 => "系统错误,请联系客服",
        203 => "暂不支持当前接口",
        204 => "请求异常:无该接口权限,请前往官网开通正式接口。",
        302 => "未授权店铺",
        _ => "",
    }
}

impl DamaijiaSim {
    pub fn new(config: &DamaijiaConfig) -> Self {
        let orders = if config.examples {
            examples()
        } else {
            (0..config.orders).map(|i| generate(config.seed, config.anchor, config.span_seconds, i)).collect()
        };
        DamaijiaSim {
            clock_offset: config.clock_offset,
            state: Arc::new(Mutex::new(DamaijiaState { orders, ..DamaijiaState::default() })),
            faults: crate::faults::Faults::new(&SPEC, config.seed),
            token: config.token.as_str().into(),
            shop_id: config.shop_id.as_str().into(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, DamaijiaState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every shop order as the list would show it now, by order id.
    pub fn truth(&self) -> Vec<Value> {
        let state = self.lock();
        let mut orders: Vec<&DamaijiaSimOrder> = state.orders.iter().collect();
        orders.sort_by(|a, b| a.order_id.cmp(&b.order_id));
        orders.into_iter().map(DamaijiaSimOrder::to_json).collect()
    }

    /// Changes one order; false when there is no such order.
    pub fn mutate(&self, order_id: &str, change: impl FnOnce(&mut DamaijiaSimOrder)) -> bool {
        let mut state = self.lock();
        match state.orders.iter_mut().find(|o| o.order_id == order_id) {
            Some(order) => {
                change(order);
                state.changed();
                true
            }
            None => false,
        }
    }

    /// Its fault plan and request log.
    pub fn faults(&self) -> &crate::faults::Faults {
        &self.faults
    }

    /// Answers the next requests with these status codes, one each.
    pub fn fail_next(&self, codes: &[i64]) {
        for &code in codes {
            self.faults.fail_next("list", crate::faults::FaultKind::Busy(Some(code)), 1);
        }
    }

    /// Moves up to `count` orders one step along their lifecycle (待支付 → 备货中
    /// → 已发货 → 已完成), stamping `update_time` now. Returns the ids changed.
    pub fn churn(&self, count: usize, round: u64) -> Vec<String> {
        self.move_orders(None, count, round).unwrap_or_default()
    }

    /// Moves one order one step along its lifecycle, as [`DamaijiaSim::churn`]
    /// would; `None` when there is no such order, `Some(false)` when it is in a
    /// final state (or of the examples data set) and did not move.
    pub fn advance(&self, number: &str) -> Option<bool> {
        self.move_orders(Some(number), 1, 0).map(|moved| !moved.is_empty())
    }

    /// [`DamaijiaSim::churn`] of `count` orders picked at random, or of `only`.
    fn move_orders(&self, only: Option<&str>, count: usize, round: u64) -> Option<Vec<String>> {
        let now = crate::unix_now() + self.clock_offset;
        let mut state = self.lock();
        let picks = match only {
            Some(number) => crate::lifecycle::Picks::At(crate::lifecycle::position(&state.orders, number)?),
            None => crate::lifecycle::Picks::Random { count, round },
        };
        let changed = crate::lifecycle::move_orders(&mut state.orders, picks, 0x444d_4348, now);
        state.changed();
        Some(changed)
    }

    pub fn requests(&self) -> BTreeMap<String, u64> {
        self.faults.request_counts()
    }

    pub fn router(&self) -> Router {
        let router = Router::new()
            .route("/vv/external/requestDyErp/order-searchList", post(search))
            .merge(crate::admin_routes(crate::Admin {
                truth: DamaijiaSim::truth,
                requests: DamaijiaSim::requests,
                churn: DamaijiaSim::churn,
                advance: DamaijiaSim::advance,
            }))
            .with_state(self.clone());
        crate::with_clock(crate::faults::with_faults(router, self.faults.clone()), self.clock_offset)
    }
}

/// The document's example shop orders (`shop_order_list[]`), served as they are.
pub fn examples() -> Vec<DamaijiaSimOrder> {
    crate::example_orders(include_str!("../../../../fixtures/damaijia/search-success.json"), "/data/shop_order_list")
        .into_iter()
        .map(|raw| DamaijiaSimOrder {
            order_id: crate::json_text(&raw["order_id"]),
            order_status: raw["order_status"].as_i64().unwrap_or(0),
            create_time: raw["create_time"].as_i64().unwrap_or(0),
            update_time: raw["update_time"].as_i64().unwrap_or(0),
            verbatim: Some(Arc::new(raw)),
            ..DamaijiaSimOrder::default()
        })
        .collect()
}

fn failure(code: i64) -> Response {
    Json(json!({"status": code, "msg": status_message(code), "data": null})).into_response()
}

/// A parameter as a whole number: number or numeric string.
fn int_param(params: &Value, name: &str) -> Result<Option<i64>, ()> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

async fn search(State(sim): State<DamaijiaSim>, headers: HeaderMap, body: Bytes) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&*sim.token) {
        return failure(204);
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else { return failure(100) };
    let shop_id = match body.get("shop_id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return failure(100),
    };
    if shop_id != *sim.shop_id {
        return failure(302);
    }
    let params = body.get("params").cloned().unwrap_or(Value::Null);
    let ints: Result<Vec<Option<i64>>, ()> =
        ["create_time_start", "create_time_end", "update_time_start", "update_time_end", "page", "size"]
            .iter()
            .map(|name| int_param(&params, name))
            .collect();
    let Ok(&[Some(create_start), create_end, update_start, update_end, page, size]) = ints.as_deref() else {
        // Unreadable numbers, or no create_time_start (required).
        return failure(100);
    };
    let (Some(page @ 0..), Some(size @ 1..=100)) = (page, size) else { return failure(100) };
    let size = size.min(sim.faults.page_cap("list").map_or(100, i64::from));
    let by_update = params.get("order_by").and_then(Value::as_str) == Some("update_time");
    let ascending = match params.get("order_asc") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    };
    let (create_range, update_range) = ((Some(create_start), create_end), (update_start, update_end));
    let ((key_from, key_to), (other_from, other_to)) =
        if by_update { (update_range, create_range) } else { (create_range, update_range) };
    let mut state = sim.lock();
    state.index(by_update);
    let DamaijiaState { orders, indexes, kept } = &mut *state;
    let entries = indexes[usize::from(!by_update)].as_deref().unwrap_or_default();
    let kept = kept.get((by_update, key_from, key_to, other_from, other_to), || {
        let first = key_from.map_or(0, |f| entries.partition_point(|x| x.key < f));
        let last = key_to.map_or(entries.len(), |t| entries.partition_point(|x| x.key <= t)).max(first);
        let wanted = |x: &&ListEntry| other_from.is_none_or(|f| x.other >= f) && other_to.is_none_or(|t| x.other <= t);
        entries[first..last].iter().filter(wanted).map(|x| x.at).collect()
    });
    let total = kept.len();
    let (skip, take) = ((page * size) as usize, size as usize);
    let chosen: Vec<u32> = if ascending {
        kept.iter().skip(skip).take(take).copied().collect()
    } else {
        kept.iter().rev().skip(skip).take(take).copied().collect()
    };
    // The answer is written as text: a page of large orders is the hot path,
    // and the orders are written from the document's example without a Value tree.
    let mut body = Vec::with_capacity(8 * 1024 * (chosen.len() + 1));
    body.extend_from_slice(format!(r#"{{"data":{{"page":{page},"shop_order_list":["#).as_bytes());
    for (i, &at) in chosen.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        orders[at as usize].write_json(&mut body);
    }
    drop(state);
    body.extend_from_slice(format!(r#"],"size":{size},"total":{total},"deduct_money":0}},"status":0}}"#).as_bytes());
    crate::json_answer(body)
}

impl crate::Simulator for DamaijiaSim {
    fn router(&self) -> Router {
        DamaijiaSim::router(self)
    }

    fn faults(&self) -> &crate::faults::Faults {
        DamaijiaSim::faults(self)
    }

    fn churn(&self, count: usize, round: u64) -> Vec<String> {
        DamaijiaSim::churn(self, count, round)
    }

    fn order_count(&self) -> usize {
        self.lock().orders.len()
    }

    /// 105 已支付 and 2 备货中, not refunded.
    fn awaiting_shipment(&self) -> Vec<String> {
        let state = self.lock();
        let awaiting = state.orders.iter().filter(|o| matches!(o.order_status, 105 | 2) && o.main_status != 21);
        awaiting.map(|o| o.order_id.clone()).collect()
    }
}

/// The sandbox's damaijia simulator (`crate::simulator`).
pub static SIMULATOR: crate::SimulatorEntry = crate::SimulatorEntry {
    spec: &SPEC,
    shop_key: "taoyitao",
    base_path: "",
    start: |settings| {
        let config = DamaijiaConfig {
            orders: settings.orders,
            seed: settings.seed,
            anchor: settings.anchor,
            examples: settings.examples,
            ..DamaijiaConfig::default()
        };
        crate::Started {
            simulator: std::sync::Arc::new(DamaijiaSim::new(&config)),
            token: config.token.clone(),
            remote_shop_id: Some(config.shop_id.clone()),
            span_seconds: config.span_seconds,
        }
    },
    paging: Some(crate::Paging {
        request: |of| crate::PageRequest {
            post: true,
            path: "/vv/external/requestDyErp/order-searchList".into(),
            headers: vec![("authorization", of.token.to_string())],
            body: Some(serde_json::json!({"shop_id": of.remote_shop_id, "params": {
                "create_time_start": 0, "update_time_start": 0, "update_time_end": of.until,
                "order_by": "update_time", "order_asc": true, "page": of.page - 1, "size": 100,
            }})),
        },
        count: |body, served| crate::simulator::count_data_page(body, served, true),
    }),
};

#[cfg(test)]
mod tests;
