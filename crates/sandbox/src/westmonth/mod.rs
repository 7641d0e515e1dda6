//! The Westmonth (西月) simulator (`westmonth-order-status.md`).
//!
//! `POST /openapi/v2/order/status` with `Authorization: <token>` and a JSON body
//! `{type: 4, order_numbers?, start_time?, end_time?, page?, per_page?}`:
//! `order_numbers` looks orders up exactly; `start_time`/`end_time` filter the
//! **update time** as China wall-clock strings (`yyyy-MM-dd HH:mm:ss`, both
//! inclusive). Pages are Laravel's simple paginator: `next_page_url` (on another
//! host, like the document's example) and no `total`. Envelope `code` 0; a
//! missing or wrong token answers `code` 3 "授权无效 …" like the document.
//!
//! Where the document is silent: `per_page` is capped at 100; orders are listed
//! by id; a body that is not JSON or lacks `type` 4 answers `code` 422.
//!
//! Admin: `GET /_sandbox/truth`, `GET /_sandbox/stats`, `POST /_sandbox/churn`,
//! and the fault layer's routes (endpoint `list`; the document has no "busy"
//! business code, so `busy` is refused: use `5xx`).

mod generate;
mod order;

pub use generate::generate;
pub use order::{WestmonthSimOrder, WestmonthSku, amount, china_time, formatted};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The page size cap (the document gives none).
pub const MAX_PER_PAGE: i64 = 100;

/// How to make a Westmonth simulator.
#[derive(Debug, Clone)]
pub struct WestmonthConfig {
    pub token: String,
    pub orders: u64,
    pub seed: u64,
    pub anchor: i64,
    pub span_seconds: i64,
    /// How far the platform's clock runs ahead of ours (negative: behind), in
    /// seconds. Changes made by [`WestmonthSim::churn`] are stamped with its clock.
    pub clock_offset: i64,
    /// Serve the document's example orders, verbatim, instead of generated
    /// ones (`orders` and `seed` are then unused): the `examples` data set.
    pub examples: bool,
}

impl Default for WestmonthConfig {
    fn default() -> Self {
        WestmonthConfig {
            token: "sandbox-westmonth-token".into(),
            orders: 1000,
            seed: 1,
            anchor: crate::default_anchor(),
            span_seconds: 28 * 86_400,
            clock_offset: 0,
            examples: false,
        }
    }
}

/// A Westmonth platform held in memory. Clones share the orders.
#[derive(Debug, Clone)]
pub struct WestmonthSim {
    clock_offset: i64,
    state: Arc<Mutex<WestmonthState>>,
    faults: crate::faults::Faults,
    token: Arc<str>,
}

/// Westmonth for the fault layer: one endpoint, `list` (the status query, which
/// both lists and looks up); no business error but the token's code 3.
pub static SPEC: crate::faults::SimSpec = crate::faults::SimSpec {
    name: "westmonth",
    endpoints: &[("list", "POST /openapi/v2/order/status")],
    endpoint_of: |_, path| (path == "/openapi/v2/order/status").then_some("list"),
    server_error_body: None,
    business_error: None,
};

#[derive(Debug, Default)]
struct WestmonthState {
    /// By id, the order the list answers in.
    orders: Vec<WestmonthSimOrder>,
    /// `updated_at` of `orders[i]` at `[i]`: a page's scan reads 8 bytes an
    /// order instead of a whole order. Built when first asked for, dropped
    /// when an order changes.
    update_times: Option<Vec<i64>>,
    /// Order number → position, for `order_numbers` lookups; built once (numbers never change).
    positions: Option<std::collections::HashMap<String, u32>>,
}

impl WestmonthState {
    fn update_times(&mut self) -> &[i64] {
        let orders = &self.orders;
        self.update_times.get_or_insert_with(|| orders.iter().map(|o| o.updated_at).collect())
    }

    fn position(&mut self, number: &str) -> Option<usize> {
        let orders = &self.orders;
        let positions = self
            .positions
            .get_or_insert_with(|| orders.iter().enumerate().map(|(at, o)| (o.number.clone(), at as u32)).collect());
        positions.get(number).map(|&at| at as usize)
    }
}

impl WestmonthSim {
    pub fn new(config: &WestmonthConfig) -> Self {
        let orders = if config.examples {
            examples()
        } else {
            (0..config.orders).map(|i| generate(config.seed, config.anchor, config.span_seconds, i)).collect()
        };
        WestmonthSim {
            clock_offset: config.clock_offset,
            state: Arc::new(Mutex::new(WestmonthState { orders, ..WestmonthState::default() })),
            faults: crate::faults::Faults::new(&SPEC, config.seed),
            token: config.token.as_str().into(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, WestmonthState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes its orders name `percent` of `numbers` (shop orders awaiting
    /// shipment on other platforms) in their 平台订单号 (`seller_order_no`),
    /// one order each, paid orders first: the seller bought from Westmonth to
    /// fulfil them. One order in twenty names nothing, and one in fifty keeps
    /// the number it was made with, which no shop has (a dangling link);
    /// orders left over when the numbers run out name nothing. The document's
    /// example orders are left as they are.
    pub fn supply(&self, numbers: &[String], percent: u64) {
        let mut state = self.lock();
        // An even spread: i × 37 runs through every remainder of 100.
        let mut picked = numbers.iter().enumerate().filter(|(i, _)| (*i as u64 * 37 + 11) % 100 < percent);
        let mut order: Vec<usize> = (0..state.orders.len()).filter(|&i| state.orders[i].verbatim.is_none()).collect();
        order.sort_by_key(|&i| (state.orders[i].pay_status != 1, i));
        for (n, index) in order.into_iter().enumerate() {
            let purchase = &mut state.orders[index];
            match n {
                n if n % 20 == 7 => purchase.seller_order_no.clear(),
                n if n % 50 == 13 => {}
                _ => match picked.next() {
                    Some((_, number)) => purchase.seller_order_no = number.clone(),
                    None => purchase.seller_order_no.clear(),
                },
            }
        }
    }

    /// Every order as the list would show it now, by number.
    pub fn truth(&self) -> Vec<Value> {
        let state = self.lock();
        let mut orders: Vec<&WestmonthSimOrder> = state.orders.iter().collect();
        orders.sort_by(|a, b| a.number.cmp(&b.number));
        orders.into_iter().map(WestmonthSimOrder::to_json).collect()
    }

    /// Its fault plan and request log.
    pub fn faults(&self) -> &crate::faults::Faults {
        &self.faults
    }

    /// Changes one order; false when there is no such order.
    pub fn mutate(&self, number: &str, change: impl FnOnce(&mut WestmonthSimOrder)) -> bool {
        let mut state = self.lock();
        match state.orders.iter_mut().find(|o| o.number == number) {
            Some(order) => {
                change(order);
                state.update_times = None;
                true
            }
            None => false,
        }
    }

    /// Moves up to `count` orders one step along their lifecycle (unpaid → paid →
    /// shipped → completed), stamping `updated_at` now. Returns the numbers changed.
    pub fn churn(&self, count: usize, round: u64) -> Vec<String> {
        self.move_orders(None, count, round).unwrap_or_default()
    }

    /// Moves one order one step along its lifecycle, as [`WestmonthSim::churn`]
    /// would; `None` when there is no such order, `Some(false)` when it is in a
    /// final state (or of the examples data set) and did not move.
    pub fn advance(&self, number: &str) -> Option<bool> {
        self.move_orders(Some(number), 1, 0).map(|moved| !moved.is_empty())
    }

    /// [`WestmonthSim::churn`] of `count` orders picked at random, or of `only`.
    fn move_orders(&self, only: Option<&str>, count: usize, round: u64) -> Option<Vec<String>> {
        let now = crate::unix_now() + self.clock_offset;
        let mut state = self.lock();
        let picks = match only {
            Some(number) => crate::lifecycle::Picks::At(state.position(number)?),
            None => crate::lifecycle::Picks::Random { count, round },
        };
        let changed = crate::lifecycle::move_orders(&mut state.orders, picks, 0x5745_4348, now);
        state.update_times = None;
        Some(changed)
    }

    pub fn requests(&self) -> BTreeMap<String, u64> {
        self.faults.request_counts()
    }

    pub fn router(&self) -> Router {
        let router = Router::new()
            .route("/openapi/v2/order/status", post(order_status))
            .merge(crate::admin_routes(crate::Admin {
                truth: WestmonthSim::truth,
                requests: WestmonthSim::requests,
                churn: WestmonthSim::churn,
                advance: WestmonthSim::advance,
            }))
            .with_state(self.clone());
        crate::with_clock(crate::faults::with_faults(router, self.faults.clone()), self.clock_offset)
    }
}

/// The document's example orders (`data.data[]`), served as they are.
pub fn examples() -> Vec<WestmonthSimOrder> {
    crate::example_orders(include_str!("../../../../fixtures/westmonth/status-success.json"), "/data/data")
        .into_iter()
        .map(|raw| WestmonthSimOrder {
            id: raw["id"].as_i64().unwrap_or(0),
            number: crate::json_text(&raw["number"]),
            updated_at: raw["updated_at"].as_str().and_then(|t| parse_china_time(t).ok().flatten()).unwrap_or(0),
            verbatim: Some(Arc::new(raw)),
            ..WestmonthSimOrder::default()
        })
        .collect()
}

fn envelope(code: i64, msg: &str, data: Value) -> Response {
    Json(crate::object([("code", json!(code)), ("msg", json!(msg)), ("data", data)])).into_response()
}

/// A China wall-clock time `yyyy-MM-dd HH:mm:ss` as unix seconds; `""` is none.
fn parse_china_time(text: &str) -> Result<Option<i64>, ()> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let civil = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", text.trim()).map_err(|_| ())?;
    let zone = jiff::tz::TimeZone::get("Asia/Shanghai").map_err(|_| ())?;
    Ok(Some(civil.to_zoned(zone).map_err(|_| ())?.timestamp().as_second()))
}

fn int_of(body: &Value, name: &str) -> Result<Option<i64>, ()> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(()),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => s.parse().map(Some).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

async fn order_status(State(sim): State<WestmonthSim>, headers: HeaderMap, body: Bytes) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&*sim.token) {
        return envelope(3, "授权无效 authorization timestamp error", json!([]));
    }
    let invalid = |what: &str| envelope(422, &format!("参数错误: {what}"), json!([]));
    let Ok(body) = serde_json::from_slice::<Value>(&body) else { return invalid("body is not JSON") };
    if int_of(&body, "type") != Ok(Some(4)) {
        return invalid("type 必须为 4");
    }
    let time = |name: &str| match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_china_time(s),
        Some(_) => Err(()),
    };
    let (Ok(start), Ok(end)) = (time("start_time"), time("end_time")) else {
        return invalid("start_time/end_time 格式为 yyyy-MM-dd HH:mm:ss");
    };
    let (Ok(page), Ok(per_page)) = (int_of(&body, "page"), int_of(&body, "per_page")) else {
        return invalid("page/per_page 必须是整数");
    };
    let numbers: Option<Vec<String>> = match body.get("order_numbers") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) if list.is_empty() => None,
        Some(Value::Array(list)) => Some(list.iter().filter_map(|v| v.as_str().map(String::from)).collect()),
        Some(_) => return invalid("order_numbers 必须是数组"),
    };
    let page = page.unwrap_or(1).max(1);
    let cap = sim.faults.page_cap("list").map_or(MAX_PER_PAGE, i64::from).min(MAX_PER_PAGE);
    let per_page = per_page.unwrap_or(10).clamp(1, cap);
    let mut state = sim.lock();
    // The orders asked for, by id: every order, or those named (known ones only).
    let candidates: Vec<usize> = match &numbers {
        None => Vec::new(),
        Some(numbers) => {
            let mut found: Vec<usize> = numbers.iter().filter_map(|n| state.position(n)).collect();
            found.sort_unstable();
            found.dedup();
            found
        }
    };
    let times = state.update_times();
    let in_window = |at: &usize| start.is_none_or(|s| times[*at] >= s) && end.is_none_or(|e| times[*at] <= e);
    let skip = ((page - 1) * per_page) as usize;
    // One more than a page: whether there is a next page.
    let chosen: Vec<usize> = match numbers {
        None => (0..times.len()).filter(in_window).skip(skip).take(per_page as usize + 1).collect(),
        Some(_) => candidates.into_iter().filter(in_window).skip(skip).take(per_page as usize + 1).collect(),
    };
    let has_more = chosen.len() as i64 > per_page;
    let data: Vec<Value> = chosen.iter().take(per_page as usize).map(|&at| state.orders[at].to_json()).collect();
    drop(state);
    // Like the document's example, the URLs name another host: clients must not follow them.
    let path = "http://westmoon.io/openapi/v2/order/status";
    let from = (page - 1) * per_page + 1;
    let (empty, count) = (data.is_empty(), data.len() as i64);
    let mut listing = json!({
            "current_page": page,
            "data": null,
            "first_page_url": format!("{path}?page=1"),
            "from": if empty { Value::Null } else { json!(from) },
            "next_page_url": if has_more { json!(format!("{path}?page={}", page + 1)) } else { Value::Null },
            "path": path,
            "per_page": per_page,
            "prev_page_url": if page > 1 { json!(format!("{path}?page={}", page - 1)) } else { Value::Null },
            "to": if empty { Value::Null } else { json!(from + count - 1) },
    });
    listing["data"] = Value::Array(data);
    envelope(0, "", listing)
}

impl crate::Simulator for WestmonthSim {
    fn router(&self) -> Router {
        WestmonthSim::router(self)
    }

    fn faults(&self) -> &crate::faults::Faults {
        WestmonthSim::faults(self)
    }

    fn churn(&self, count: usize, round: u64) -> Vec<String> {
        WestmonthSim::churn(self, count, round)
    }

    fn order_count(&self) -> usize {
        self.lock().orders.len()
    }

    fn supply(&self, numbers: &[String]) {
        WestmonthSim::supply(self, numbers, SUPPLIED_PERCENT);
    }
}

/// The share of the shop orders awaiting shipment that the sandbox's
/// supplier orders name, when it has orders enough.
pub const SUPPLIED_PERCENT: u64 = 60;

/// The sandbox's westmonth simulator (`crate::simulator`).
pub static SIMULATOR: crate::SimulatorEntry = crate::SimulatorEntry {
    spec: &SPEC,
    shop_key: "westmoon",
    base_path: "",
    start: |settings| {
        let config = WestmonthConfig {
            orders: settings.orders,
            seed: settings.seed,
            anchor: settings.anchor,
            examples: settings.examples,
            ..WestmonthConfig::default()
        };
        crate::Started {
            simulator: std::sync::Arc::new(WestmonthSim::new(&config)),
            token: config.token.clone(),
            remote_shop_id: None,
            span_seconds: config.span_seconds,
        }
    },
    paging: Some(crate::Paging {
        request: |of| crate::PageRequest {
            post: true,
            path: "/openapi/v2/order/status".into(),
            headers: vec![("authorization", of.token.to_string())],
            body: Some(serde_json::json!({
                "type": 4, "start_time": "2000-01-01 00:00:00", "end_time": "2100-01-01 00:00:00",
                "page": of.page, "per_page": 100,
            })),
        },
        count: |body, served| crate::simulator::count_data_page(body, served, false),
    }),
};

#[cfg(test)]
mod tests;
