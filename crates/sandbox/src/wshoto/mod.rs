//! The Wshoto (微盛) mall simulator (`wshoto-mall-order-list.md`).
//!
//! `GET /openapi/mall/order/list?access_token=…` with a JSON body
//! `{type, start_time, end_time, status_list, current_index, page_size}`:
//! `type` 1 filters create time, 2 finish time, 3 update time (unix seconds,
//! both bounds inclusive); `current_index` is 1-based; the answer is
//! `{"code":0,"msg":"请求成功","data":{"total":N,"records":[…]}}`, newest first
//! by the filtered time.
//!
//! Where the document is silent: `page_size` is capped at 100; a missing or
//! wrong `access_token` answers `{"code":40014,"msg":"不合法的access_token"}`
//! (WeCom's code, which Wshoto's platform follows); a malformed body answers
//! `{"code":40035,"msg":"不合法的参数"}`; both with HTTP 200.
//!
//! Admin: `GET /_sandbox/truth`, `GET /_sandbox/stats`, `POST /_sandbox/churn`,
//! and the fault layer's routes (endpoint `list`; `busy` answers WeCom's
//! `{"code":-1,"msg":"系统繁忙"}`, the document being silent).

mod generate;
mod order;

pub use generate::generate;
pub use order::{WshotoAddress, WshotoLine, WshotoSimOrder, yuan};

use crate::lifecycle::Picks;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

/// The page size cap (the document gives none).
pub const MAX_PAGE_SIZE: i64 = 100;

/// How to make a Wshoto simulator.
#[derive(Debug, Clone)]
pub struct WshotoConfig {
    pub access_token: String,
    pub orders: u64,
    pub seed: u64,
    /// The platform's "now" when the orders were made (unix seconds).
    pub anchor: i64,
    pub span_seconds: i64,
    /// How far the platform's clock runs ahead of ours (negative: behind), in
    /// seconds. Changes made by [`WshotoSim::churn`] are stamped with its clock.
    pub clock_offset: i64,
    /// Serve the document's example orders, verbatim, instead of generated
    /// ones (`orders` and `seed` are then unused): the `examples` data set.
    pub examples: bool,
}

impl Default for WshotoConfig {
    fn default() -> Self {
        WshotoConfig {
            access_token: "sandbox-wshoto-token".into(),
            orders: 1000,
            seed: 1,
            anchor: crate::default_anchor(),
            span_seconds: 28 * 86_400,
            clock_offset: 0,
            examples: false,
        }
    }
}

/// A Wshoto mall held in memory. Clones share the orders.
#[derive(Debug, Clone)]
pub struct WshotoSim {
    clock_offset: i64,
    state: Arc<Mutex<WshotoState>>,
    faults: crate::faults::Faults,
    access_token: Arc<str>,
}

/// Wshoto for the fault layer: one endpoint, `list`; business errors in its
/// `code`/`msg` envelope (`busy`: -1 系统繁忙, WeCom's "try again later").
pub static SPEC: crate::faults::SimSpec = crate::faults::SimSpec {
    name: "wshoto",
    endpoints: &[("list", "GET /openapi/mall/order/list")],
    endpoint_of: |_, path| (path == "/openapi/mall/order/list").then_some("list"),
    server_error_body: None,
    business_error: Some(|code| match code {
        None | Some(-1) => answer(-1, "系统繁忙", Value::Null),
        Some(code) => answer(code, "请求失败", Value::Null),
    }),
};

#[derive(Debug, Default)]
struct WshotoState {
    orders: Vec<WshotoSimOrder>,
    /// Per `type` (1 create, 2 finish, 3 update time): the orders having that
    /// time, in the list's order (newest first, then by order code descending).
    /// Built when first asked for, dropped when an order changes: a page is then
    /// a binary search and a short walk instead of a sort of every order.
    indexes: [Option<Vec<ListEntry>>; 3],
    /// Positions each recent status-filtered listing keeps, by its filters;
    /// forgotten with the indexes. (Unfiltered listings are slices already.)
    kept: crate::listing::KeptPositions<ListingFilters>,
}

/// A listing's filters, everything but the page: type, start, end, status_list.
type ListingFilters = (i64, Option<i64>, Option<i64>, Vec<i64>);

/// What a page's filters read of an order, kept apart from the (large) orders.
#[derive(Debug, Clone, Copy)]
struct ListEntry {
    time: i64,
    status: i64,
    at: u32,
}

impl WshotoState {
    fn time_of(order: &WshotoSimOrder, kind: i64) -> Option<i64> {
        match kind {
            1 => Some(order.create_time),
            2 => order.finish_time,
            _ => Some(order.update_time),
        }
    }

    fn index(&mut self, kind: i64) -> &[ListEntry] {
        let slot = (kind.clamp(1, 3) - 1) as usize;
        let orders = &self.orders;
        self.indexes[slot].get_or_insert_with(|| {
            let mut entries: Vec<ListEntry> = orders
                .iter()
                .enumerate()
                .filter_map(|(at, o)| {
                    Some(ListEntry { time: Self::time_of(o, kind)?, status: o.status, at: at as u32 })
                })
                .collect();
            entries.sort_unstable_by(|a, b| {
                (b.time, &orders[b.at as usize].order_code).cmp(&(a.time, &orders[a.at as usize].order_code))
            });
            entries
        })
    }

    fn changed(&mut self) {
        self.indexes = Default::default();
        self.kept.clear();
    }
}

impl WshotoSim {
    pub fn new(config: &WshotoConfig) -> Self {
        let orders = if config.examples {
            examples()
        } else {
            (0..config.orders).map(|i| generate(config.seed, config.anchor, config.span_seconds, i)).collect()
        };
        WshotoSim {
            clock_offset: config.clock_offset,
            state: Arc::new(Mutex::new(WshotoState { orders, ..WshotoState::default() })),
            faults: crate::faults::Faults::new(&SPEC, config.seed),
            access_token: config.access_token.as_str().into(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, WshotoState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every order as `records[]` would show it now, sorted by order code.
    pub fn truth(&self) -> Vec<Value> {
        let state = self.lock();
        let mut orders: Vec<&WshotoSimOrder> = state.orders.iter().collect();
        orders.sort_by(|a, b| a.order_code.cmp(&b.order_code));
        orders.into_iter().map(WshotoSimOrder::to_json).collect()
    }

    /// Changes one order; false when there is no such order.
    pub fn mutate(&self, order_code: &str, change: impl FnOnce(&mut WshotoSimOrder)) -> bool {
        let mut state = self.lock();
        match state.orders.iter_mut().find(|o| o.order_code == order_code) {
            Some(order) => {
                change(order);
                state.changed();
                true
            }
            None => false,
        }
    }

    /// Moves up to `count` orders one step along their lifecycle (待付款 → 待发货
    /// → 待收货 → 已完成), stamping `update_time` now. Returns the codes changed.
    pub fn churn(&self, count: usize, round: u64) -> Vec<String> {
        self.move_orders(None, count, round).unwrap_or_default()
    }

    /// Moves one order one step along its lifecycle, as [`WshotoSim::churn`]
    /// would; `None` when there is no such order, `Some(false)` when it is in a
    /// final state (or of the examples data set) and did not move.
    pub fn advance(&self, number: &str) -> Option<bool> {
        self.move_orders(Some(number), 1, 0).map(|moved| !moved.is_empty())
    }

    /// [`WshotoSim::churn`] of `count` orders picked at random, or of `only`.
    fn move_orders(&self, only: Option<&str>, count: usize, round: u64) -> Option<Vec<String>> {
        let now = crate::unix_now() + self.clock_offset;
        let mut state = self.lock();
        let picks = match only {
            Some(number) => Picks::At(crate::lifecycle::position(&state.orders, number)?),
            None => Picks::Random { count, round },
        };
        let changed = crate::lifecycle::move_orders(&mut state.orders, picks, 0x5753_4843, now);
        state.changed();
        Some(changed)
    }

    /// Its fault plan and request log.
    pub fn faults(&self) -> &crate::faults::Faults {
        &self.faults
    }

    /// Requests per endpoint so far.
    pub fn requests(&self) -> BTreeMap<String, u64> {
        self.faults.request_counts()
    }

    pub fn router(&self) -> Router {
        let router = Router::new()
            .route("/openapi/mall/order/list", get(list_orders))
            .merge(crate::admin_routes(crate::Admin {
                truth: WshotoSim::truth,
                requests: WshotoSim::requests,
                churn: WshotoSim::churn,
                advance: WshotoSim::advance,
            }))
            .with_state(self.clone());
        crate::with_clock(crate::faults::with_faults(router, self.faults.clone()), self.clock_offset)
    }
}

/// The document's example orders (`records[]`), served as they are.
pub fn examples() -> Vec<WshotoSimOrder> {
    crate::example_orders(include_str!("../../../../fixtures/wshoto/list-success.json"), "/data/records")
        .into_iter()
        .map(|raw| WshotoSimOrder {
            order_code: crate::json_text(&raw["order_code"]),
            status: raw["status"].as_i64().unwrap_or(0),
            create_time: raw["create_time"].as_i64().unwrap_or(0),
            update_time: raw["update_time"].as_i64().unwrap_or(0),
            finish_time: raw["finish_time"].as_i64(),
            verbatim: Some(Arc::new(raw)),
            ..WshotoSimOrder::default()
        })
        .collect()
}

fn answer(code: i64, msg: &str, data: Value) -> Response {
    Json(crate::object([("code", json!(code)), ("msg", json!(msg)), ("data", data)])).into_response()
}

/// A body field as a whole number: JSON number or numeric string.
fn int_field(body: &Value, name: &str) -> Result<Option<i64>, ()> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

async fn list_orders(
    State(sim): State<WshotoSim>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if query.get("access_token").map(String::as_str) != Some(&*sim.access_token) {
        return answer(40014, "不合法的access_token", Value::Null);
    }
    let bad = || answer(40035, "不合法的参数", Value::Null);
    let Ok(body) = serde_json::from_slice::<Value>(&body) else { return bad() };
    let (Ok(Some(kind @ 1..=3)), Ok(start), Ok(end), Ok(index), Ok(size)) = (
        int_field(&body, "type"),
        int_field(&body, "start_time"),
        int_field(&body, "end_time"),
        int_field(&body, "current_index"),
        int_field(&body, "page_size"),
    ) else {
        return bad();
    };
    let statuses: Option<Vec<i64>> = match body.get("status_list") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => match list.iter().map(Value::as_i64).collect::<Option<Vec<_>>>() {
            Some(list) if !list.is_empty() => Some(list),
            Some(_) => None,
            None => return bad(),
        },
        Some(_) => return bad(),
    };
    let index = index.unwrap_or(1).max(1);
    let size =
        size.unwrap_or(10).clamp(1, sim.faults.page_cap("list").map_or(MAX_PAGE_SIZE, i64::from).min(MAX_PAGE_SIZE));
    let mut state = sim.lock();
    state.index(kind);
    let WshotoState { orders, indexes, kept } = &mut *state;
    let entries = indexes[(kind - 1) as usize].as_deref().unwrap_or_default();
    // Newest first: the window [start, end] is one run of the index.
    let first = end.map_or(0, |e| entries.partition_point(|x| x.time > e));
    let last = start.map_or(entries.len(), |s| entries.partition_point(|x| x.time >= s)).max(first);
    let window = &entries[first..last];
    let skip = ((index - 1) * size) as usize;
    let (total, page): (usize, Vec<u32>) = match statuses {
        None => (window.len(), window.iter().skip(skip).take(size as usize).map(|x| x.at).collect()),
        Some(statuses) => {
            let kept = kept.get((kind, start, end, statuses.clone()), || {
                window.iter().filter(|x| statuses.contains(&x.status)).map(|x| x.at).collect()
            });
            (kept.len(), kept.iter().skip(skip).take(size as usize).copied().collect())
        }
    };
    let records: Vec<Value> = page.iter().map(|&at| orders[at as usize].to_json()).collect();
    drop(state);
    answer(0, "请求成功", crate::object([("total", json!(total)), ("records", Value::Array(records))]))
}

impl crate::Simulator for WshotoSim {
    fn router(&self) -> Router {
        WshotoSim::router(self)
    }

    fn faults(&self) -> &crate::faults::Faults {
        WshotoSim::faults(self)
    }

    fn churn(&self, count: usize, round: u64) -> Vec<String> {
        WshotoSim::churn(self, count, round)
    }

    fn order_count(&self) -> usize {
        self.lock().orders.len()
    }
}

/// The sandbox's wshoto simulator (`crate::simulator`).
pub static SIMULATOR: crate::SimulatorEntry = crate::SimulatorEntry {
    spec: &SPEC,
    shop_key: "fengxi",
    base_path: "",
    start: |settings| {
        let config = WshotoConfig {
            orders: settings.orders,
            seed: settings.seed,
            anchor: settings.anchor,
            examples: settings.examples,
            ..WshotoConfig::default()
        };
        crate::Started {
            simulator: std::sync::Arc::new(WshotoSim::new(&config)),
            token: config.access_token.clone(),
            remote_shop_id: None,
            span_seconds: config.span_seconds,
        }
    },
    paging: Some(crate::Paging {
        request: |of| crate::PageRequest {
            post: false,
            path: format!("/openapi/mall/order/list?access_token={}", of.token),
            headers: Vec::new(),
            body: Some(serde_json::json!({
                "type": 3, "start_time": 0, "end_time": of.until, "current_index": of.page, "page_size": 100,
            })),
        },
        count: |body, served| crate::simulator::count_data_page(body, served, true),
    }),
};

#[cfg(test)]
mod tests;
