//! The sandbox: local simulators of the sales platforms.
//!
//! Each simulator is an axum server that speaks one platform's API exactly as
//! its document in `platform-docs/` describes it (paths, methods, auth, paging,
//! envelopes, error answers, field names and JSON types), over an order set made
//! by a deterministic generator and changed by the API's own write calls. They let
//! orderhub run, demo and be tested with no credentials.
//!
//! What it must not do: share types or code with the connectors. The simulators
//! are written from the documents alone, so that a misreading of a document in a
//! connector is caught by the simulator instead of hidden by a shared struct.
//!
//! Besides the platform's API each simulator has an admin API under
//! `/_sandbox/` for tests: the truth (every order as the platform holds it now),
//! request counts, churn, a fault plan and a request log ([`faults`]).

// A whole order in one `json!` (Westmonth's `to_json`, the Shoptima tests'
// reference listing of 50-odd fields) nests deeper than the default 128.
#![recursion_limit = "256"]
// Handlers return `Result<_, Response>` so that a refusal is the platform's own
// answer; a Response is large, and these are not hot paths worth boxing for.
#![allow(clippy::result_large_err)]

pub mod damaijia;
#[cfg(test)]
mod examples_tests;
pub mod faults;
mod lifecycle;
mod listing;
mod rng;
pub mod shoptima;
mod simulator;
pub mod template;
#[cfg(test)]
mod test_support;
pub mod vanmall;
pub mod westmonth;
pub mod wshoto;

pub use damaijia::{DamaijiaConfig, DamaijiaSim};
pub use faults::{FaultKind, FaultRule, FaultSpecError, Faults, SimSpec, parse_plan};
pub use rng::Rng;
pub use shoptima::{ShoptimaConfig, ShoptimaSim};
pub use vanmall::{VanmallConfig, VanmallSim};
pub use westmonth::{WestmonthConfig, WestmonthSim};
pub use wshoto::{WshotoConfig, WshotoSim};

pub use simulator::{
    Listed, PageOf, PageRequest, Paging, Sandbox, SandboxShop, SimSettings, Simulator, SimulatorEntry, Started,
    register, sim_specs, simulators,
};

use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Text of an order: most of a generated order's words come from the
/// generator's fixed lists and are borrowed from them, not copied per order
/// (Shoptima, 1,000,000 orders: 1.9 GB → 1.25 GB); text from the API's writes
/// and made-up numbers is owned.
pub type Text = std::borrow::Cow<'static, str>;

/// An order of the `examples` data set: the document's example JSON, served as
/// it is. Only the fields the list filters and sorts on are read out of it;
/// churn leaves such orders alone, so the data set stays what the document shows.
pub type Verbatim = Option<std::sync::Arc<serde_json::Value>>;

/// A document example's order list, from `fixtures/<platform>/<file>.json`
/// (the documents' examples, verbatim), at the JSON pointer `list`.
fn example_orders(text: &str, list: &str) -> Vec<serde_json::Value> {
    let example: serde_json::Value = serde_json::from_str(text).expect("the document's example is JSON");
    example.pointer(list).and_then(serde_json::Value::as_array).cloned().expect("the example lists orders")
}

/// A JSON object of these fields, in this order, the values moved in. (`json!`
/// with a `Value` variable serialises it into a copy: a whole page of orders.)
pub(crate) fn object<const N: usize>(fields: [(&str, serde_json::Value); N]) -> serde_json::Value {
    serde_json::Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// An answer whose JSON a simulator wrote itself (a list page, written from
/// its records without a `Value` tree), sent as it is.
pub(crate) fn json_answer(body: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A JSON string's text, or a number's digits (ids may come as either).
fn json_text(value: &serde_json::Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), String::from)
}

/// A simulator serving on a loopback port; stops when dropped.
#[derive(Debug)]
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The `base_url` a shop's configuration uses to reach it.
    pub base_url: String,
    task: JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `router` on `bind` (use port 0 for any free port).
pub async fn serve(router: axum::Router, bind: SocketAddr, base_path: &str) -> std::io::Result<Running> {
    let listener = TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "simulator stopped");
        }
    });
    Ok(Running { addr, base_url: format!("http://{addr}{base_path}"), task })
}

/// What a simulator exposes to its admin routes.
pub struct Admin<S> {
    /// Every order as the platform holds it now.
    pub truth: fn(&S) -> Vec<serde_json::Value>,
    /// Requests per endpoint.
    pub requests: fn(&S) -> std::collections::BTreeMap<String, u64>,
    /// Moves orders along their lifecycle: (count, round) → what changed.
    pub churn: fn(&S, usize, u64) -> Vec<String>,
    /// Moves one named order one step: `None` when there is no such order.
    pub advance: fn(&S, &str) -> Option<bool>,
}

static CHURN_ROUND: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The next round number for [`Admin::churn`]: each round picks other orders.
pub fn next_churn_round() -> u64 {
    CHURN_ROUND.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The admin routes every simulator serves beside its platform API:
/// `GET /_sandbox/truth` (every order as the platform holds it now),
/// `GET /_sandbox/stats` (requests per endpoint) and
/// `POST /_sandbox/churn?count=N` (move N orders along their lifecycle, all
/// stamped with the same second) and `POST /_sandbox/orders/{number}/advance`
/// (move that one order a step).
pub fn admin_routes<S: Clone + Send + Sync + 'static>(admin: Admin<S>) -> axum::Router<S> {
    use axum::extract::{Query, State};
    use axum::routing::{get, post};
    use std::collections::HashMap;
    let Admin { truth, requests, churn, advance } = admin;
    axum::Router::new()
        .route(
            "/_sandbox/truth",
            get(move |State(sim): State<S>| async move { axum::Json(serde_json::json!({"orders": truth(&sim)})) }),
        )
        .route(
            "/_sandbox/stats",
            get(move |State(sim): State<S>| async move { axum::Json(serde_json::json!({"requests": requests(&sim)})) }),
        )
        .route(
            "/_sandbox/churn",
            post(move |State(sim): State<S>, Query(query): Query<HashMap<String, String>>| async move {
                let count = query.get("count").and_then(|c| c.parse().ok()).unwrap_or(1);
                axum::Json(serde_json::json!({"changed": churn(&sim, count, next_churn_round())}))
            }),
        )
        .route(
            "/_sandbox/orders/{number}/advance",
            post(move |State(sim): State<S>, axum::extract::Path(number): axum::extract::Path<String>| async move {
                use axum::response::IntoResponse;
                match advance(&sim, &number) {
                    Some(changed) => {
                        axum::Json(serde_json::json!({"order": number, "changed": changed})).into_response()
                    }
                    None => (
                        axum::http::StatusCode::NOT_FOUND,
                        axum::Json(serde_json::json!({"error": format!("no order {number:?} on this platform")})),
                    )
                        .into_response(),
                }
            }),
        )
}

/// Answers with the platform's own clock: every response's `Date` header is
/// now plus `offset_seconds` (a platform whose clock runs ahead or behind).
pub fn with_clock(router: axum::Router, offset_seconds: i64) -> axum::Router {
    router.layer(axum::middleware::map_response(move |mut response: axum::response::Response| async move {
        let now = jiff::Timestamp::from_second(unix_now() + offset_seconds).unwrap_or_else(|_| jiff::Timestamp::now());
        if let Ok(date) = jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&now)
            && let Ok(value) = axum::http::HeaderValue::from_str(&date)
        {
            response.headers_mut().insert(axum::http::header::DATE, value);
        }
        response
    }))
}

/// The current unix time in seconds.
/// `yyyymmdd` of a unix time on the calendar of `zone` (an IANA name): the
/// day a platform's order numbers carry is the platform's own day.
pub fn calendar_date(unix: i64, zone: &str) -> String {
    let zone = jiff::tz::TimeZone::get(zone).expect("jiff bundles the time zone database");
    let date = jiff::Timestamp::from_second(unix).expect("generated times are near now").to_zoned(zone).date();
    format!("{:04}{:02}{:02}", date.year(), date.month(), date.day())
}

pub fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The platform's "now" when a simulator's orders are made, by default: a
/// minute ago, so that no generated change is younger than the couple of
/// seconds a sync leaves to the next run (`orderhub_sync::UPPER_BOUND_LAG`),
/// and a first sync of a fresh sandbox reads every order.
pub fn default_anchor() -> i64 {
    unix_now() - 60
}
