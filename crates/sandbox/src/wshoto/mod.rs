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
//! Admin: `GET /_sandbox/truth`, `GET /_sandbox/stats`.

mod generate;
mod order;

pub use generate::generate;
pub use order::{WshotoAddress, WshotoLine, WshotoSimOrder, yuan};

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
}

impl Default for WshotoConfig {
    fn default() -> Self {
        WshotoConfig {
            access_token: "sandbox-wshoto-token".into(),
            orders: 1000,
            seed: 1,
            anchor: crate::unix_now(),
            span_seconds: 28 * 86_400,
            clock_offset: 0,
        }
    }
}

/// A Wshoto mall held in memory. Clones share the orders.
#[derive(Debug, Clone)]
pub struct WshotoSim {
    clock_offset: i64,
    state: Arc<Mutex<WshotoState>>,
    access_token: Arc<str>,
}

#[derive(Debug, Default)]
struct WshotoState {
    orders: Vec<WshotoSimOrder>,
    requests: BTreeMap<String, u64>,
}

impl WshotoSim {
    pub fn new(config: &WshotoConfig) -> Self {
        let orders = (0..config.orders).map(|i| generate(config.seed, config.anchor, config.span_seconds, i)).collect();
        WshotoSim {
            clock_offset: config.clock_offset,
            state: Arc::new(Mutex::new(WshotoState { orders, ..WshotoState::default() })),
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
                true
            }
            None => false,
        }
    }

    /// Moves up to `count` orders one step along their lifecycle (待付款 → 待发货
    /// → 待收货 → 已完成), stamping `update_time` now. Returns the codes changed.
    pub fn churn(&self, count: usize, round: u64) -> Vec<String> {
        let now = crate::unix_now() + self.clock_offset;
        let mut state = self.lock();
        let len = state.orders.len();
        let mut rng = crate::Rng::fork(0x5753_4843, round);
        let mut changed = Vec::new();
        for _ in 0..count.min(len) {
            let order = &mut state.orders[rng.range(0, len as i64) as usize];
            match order.status {
                0 => {
                    order.status = 2;
                    order.pay_status = 1;
                    order.pay_time = Some(now);
                    order.close_time = None;
                }
                1 | 2 => {
                    order.status = 3;
                    order.send_time = Some(now);
                    order.express_no = Some(format!("SF{now}{}", rng.range(100, 999)));
                    order.express_name = Some("顺丰速运".into());
                }
                3 => {
                    order.status = 4;
                    order.finish_time = Some(now);
                    order.order_status_tag = Some(4);
                }
                _ => continue,
            }
            order.update_time = now;
            changed.push(order.order_code.clone());
        }
        changed
    }

    /// Requests per endpoint so far.
    pub fn requests(&self) -> BTreeMap<String, u64> {
        self.lock().requests.clone()
    }

    pub fn router(&self) -> Router {
        let router = Router::new()
            .route("/openapi/mall/order/list", get(list_orders))
            .merge(crate::admin_routes(crate::Admin {
                truth: WshotoSim::truth,
                requests: WshotoSim::requests,
                churn: WshotoSim::churn,
            }))
            .with_state(self.clone());
        crate::with_clock(router, self.clock_offset)
    }
}

fn answer(code: i64, msg: &str, data: Value) -> Response {
    Json(json!({"code": code, "msg": msg, "data": data})).into_response()
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
    *sim.lock().requests.entry("GET /openapi/mall/order/list".into()).or_default() += 1;
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
    let size = size.unwrap_or(10).clamp(1, MAX_PAGE_SIZE);
    let time_of = |o: &WshotoSimOrder| match kind {
        1 => Some(o.create_time),
        2 => o.finish_time,
        _ => Some(o.update_time),
    };
    let state = sim.lock();
    let mut matches: Vec<(i64, &WshotoSimOrder)> = state
        .orders
        .iter()
        .filter(|o| statuses.as_ref().is_none_or(|s| s.contains(&o.status)))
        .filter_map(|o| {
            let t = time_of(o)?;
            (start.is_none_or(|s| t >= s) && end.is_none_or(|e| t <= e)).then_some((t, o))
        })
        .collect();
    matches.sort_by(|a, b| (b.0, &b.1.order_code).cmp(&(a.0, &a.1.order_code)));
    let total = matches.len();
    let records: Vec<Value> =
        matches.iter().skip(((index - 1) * size) as usize).take(size as usize).map(|(_, o)| o.to_json()).collect();
    answer(0, "请求成功", json!({"total": total, "records": records}))
}

#[cfg(test)]
mod tests;
