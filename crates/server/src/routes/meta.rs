//! What is not about one order: health, metrics, keys, webhooks, statistics,
//! and the home page.

use crate::auth::{Caller, Scope};
use crate::openapi::ErrorBody;
use crate::{ApiError, AppState};
use axum::Extension;
use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use orderhub_store::{ApiKey, StatusCount, WebhookState};
use serde::Serialize;
use std::fmt::Write as _;
use utoipa::ToSchema;

/// What `/healthz` finds: the store, and each part of the server that can fail on its own.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`; `degraded` when a shop's last sync failed or it is paused, or
    /// a webhook's deliveries fail; `failing` when the store cannot be read
    /// or written (answered with 503).
    status: &'static str,
    store: StoreHealth,
    /// Each configured shop: its last run and whether it is paused.
    shops: Vec<ShopHealth>,
    /// The write-back outbox: jobs waiting and jobs that failed for good.
    outbox: OutboxHealth,
    /// Each configured webhook: failed attempts since its last delivery.
    webhooks: Vec<WebhookHealth>,
}

/// The write-back outbox, as `/healthz` reports it.
#[derive(Serialize, ToSchema, Default)]
pub struct OutboxHealth {
    /// Jobs waiting for their turn or a retry, or being sent.
    waiting: i64,
    /// Jobs the platform refused, or that failed every attempt.
    failed: i64,
}

/// One webhook's delivery, as `/healthz` reports it.
#[derive(Serialize, ToSchema)]
pub struct WebhookHealth {
    name: String,
    /// Failed attempts since the last delivery (0: delivering).
    failed_attempts: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
}

/// Whether the store answers reads and takes writes.
#[derive(Serialize, ToSchema)]
pub struct StoreHealth {
    /// `ok` or `failing`.
    reads: &'static str,
    /// `ok` or `failing`: a write was tried while writes failed, or when
    /// none had been made for a while, so this is the store's state now.
    writes: &'static str,
    /// Why reads or writes fail (a full disk, a file made read-only, a lost connection).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Since when writes fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    failing_since: Option<jiff::Timestamp>,
}

/// One shop's sync, as `/healthz` reports it.
#[derive(Serialize, ToSchema)]
pub struct ShopHealth {
    key: String,
    /// `ok`, `failed`, `interrupted`, `running`, or `never` (no run yet).
    last_run: String,
    /// Why the last run failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Why the shop's scheduled syncs are paused (a refused token, a spent quota).
    #[serde(skip_serializing_if = "Option::is_none")]
    paused: Option<String>,
}

/// A write is tried when none succeeded within this long.
const WRITE_PROBE_AFTER: std::time::Duration = std::time::Duration::from_secs(10);
/// How long `/healthz` waits for the store.
const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(4);

/// `GET /healthz`: whether the store takes reads and writes now, and how
/// each shop's sync fares. 503 while the store fails. Needs no key.
#[utoipa::path(
    get, path = "/healthz", operation_id = "healthz", tag = "admin",
    responses(
        (status = 200, description = "The store takes reads and writes (status ok, or degraded when a shop's sync fails)", body = Health),
        (status = 503, description = "The store cannot be read or written now", body = Health),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> Response {
    let store = &state.hub.store;
    let read = tokio::time::timeout(HEALTH_TIMEOUT, store.last_event_seq()).await;
    let read_error = match read {
        Ok(Ok(_)) => None,
        Ok(Err(error)) => Some(error.to_string()),
        Err(_) => Some(format!("the store did not answer a read within {HEALTH_TIMEOUT:?}")),
    };
    let health = store.write_health();
    let stale = health.last_success_ago.is_none_or(|ago| ago > WRITE_PROBE_AFTER);
    let mut write_error = None;
    if health.failing.is_some() || stale {
        match tokio::time::timeout(HEALTH_TIMEOUT, store.probe_write()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => write_error = Some(error.to_string()),
            Err(_) => write_error = Some(format!("the store took no write within {HEALTH_TIMEOUT:?}")),
        }
    }
    let failing_since = write_error.as_ref().and_then(|_| store.write_health().failing.map(|f| f.since));
    let store_health = StoreHealth {
        reads: if read_error.is_none() { "ok" } else { "failing" },
        writes: if write_error.is_none() { "ok" } else { "failing" },
        error: read_error.or(write_error),
        failing_since,
    };
    let readable = store_health.reads == "ok";
    let shops = if readable { shop_health(&state).await } else { Vec::new() };
    let outbox = if readable { outbox_health(&state).await } else { OutboxHealth::default() };
    let webhooks = if readable { webhook_health(&state).await } else { Vec::new() };
    let store_fails = store_health.error.is_some();
    let status = if store_fails {
        "failing"
    } else if shops.iter().any(|s| s.last_run == "failed" || s.paused.is_some())
        || webhooks.iter().any(|w| w.failed_attempts > 0)
    {
        "degraded"
    } else {
        "ok"
    };
    let code = if store_fails { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
    (code, Json(Health { status, store: store_health, shops, outbox, webhooks })).into_response()
}

async fn outbox_health(state: &AppState) -> OutboxHealth {
    let counts = state.hub.store.outbox_counts().await.unwrap_or_default();
    let count = |names: &[&str]| counts.iter().filter(|(s, _)| names.contains(&s.as_str())).map(|(_, n)| n).sum();
    OutboxHealth { waiting: count(&["pending", "running"]), failed: count(&["failed"]) }
}

/// The configured webhooks' delivery; one never delivered to yet has no row.
async fn webhook_health(state: &AppState) -> Vec<WebhookHealth> {
    let held = state.hub.store.webhook_states().await.unwrap_or_default();
    state
        .webhooks
        .iter()
        .map(|name| {
            let row = held.iter().find(|w| &w.name == name);
            WebhookHealth {
                name: name.clone(),
                failed_attempts: row.map_or(0, |w| w.attempts),
                last_error: row.and_then(|w| w.last_error.clone()),
            }
        })
        .collect()
}

/// Each configured shop's last run and pause; what cannot be read is left out.
async fn shop_health(state: &AppState) -> Vec<ShopHealth> {
    let store = &state.hub.store;
    let mut shops = Vec::new();
    for shop in state.hub.shops() {
        let key = shop.key().to_string();
        let last = store.runs(Some(&key), 1).await.ok().and_then(|runs| runs.into_iter().next());
        let paused = store.paused(&key).await.ok().flatten().map(|(reason, _)| reason);
        let (last_run, error) = match last {
            Some(run) => (run.outcome, run.error),
            None => ("never".to_string(), None),
        };
        shops.push(ShopHealth { key, last_run, error, paused });
    }
    shops
}

/// `GET /openapi.json`: this document. Needs no key.
#[utoipa::path(
    get, path = "/openapi.json", operation_id = "openapi", tag = "admin",
    responses((status = 200, description = "The OpenAPI document of this API", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> Response {
    let text = crate::openapi::document().to_pretty_json().expect("the OpenAPI document serialises");
    ([(CONTENT_TYPE, "application/json")], text).into_response()
}

/// Counts each answered request by route and status, for `/metrics`.
pub async fn count_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_string();
    // Only the methods the API answers are labels of their own: a made-up
    // method from an unauthenticated client must not add a series.
    let method = match request.method().as_str() {
        known @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") => known,
        _ => "other",
    }
    .to_string();
    let response = next.run(request).await;
    state.metrics.count(method, route, response.status().as_u16());
    response
}

/// `GET /metrics`: Prometheus text format. Needs no key.
#[utoipa::path(
    get, path = "/metrics", operation_id = "metrics", tag = "admin",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain", body = String))
)]
pub async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let store = &state.hub.store;
    let mut out = String::new();
    let platform_of = |shop: &str| {
        state.hub.shop(shop).map_or_else(|| "unknown".to_string(), |s| s.connector().platform().to_string())
    };
    out.push_str("# HELP orderhub_orders Orders stored, by platform, shop and status.\n# TYPE orderhub_orders gauge\n");
    for (platform, shop, status, n) in store.order_gauges().await? {
        let _ = writeln!(
            out,
            "orderhub_orders{{platform=\"{platform}\",shop=\"{}\",status=\"{status}\"}} {n}",
            label(&shop)
        );
    }
    out.push_str(
        "# HELP orderhub_sync_runs_total Sync runs, by shop and outcome.\n# TYPE orderhub_sync_runs_total counter\n",
    );
    let totals = store.run_totals().await?;
    for t in &totals {
        let (shop, platform) = (label(&t.shop), platform_of(&t.shop));
        let _ = writeln!(
            out,
            "orderhub_sync_runs_total{{platform=\"{platform}\",shop=\"{shop}\",outcome=\"ok\"}} {}",
            t.runs_ok
        );
        let _ = writeln!(
            out,
            "orderhub_sync_runs_total{{platform=\"{platform}\",shop=\"{shop}\",outcome=\"failed\"}} {}",
            t.runs_failed
        );
    }
    out.push_str(
        "# HELP orderhub_platform_api_calls_total Requests sent to platforms by sync runs.\n\
         # TYPE orderhub_platform_api_calls_total counter\n",
    );
    for t in &totals {
        let _ = writeln!(
            out,
            "orderhub_platform_api_calls_total{{platform=\"{}\",shop=\"{}\"}} {}",
            platform_of(&t.shop),
            label(&t.shop),
            t.api_calls
        );
    }
    out.push_str(
        "# HELP orderhub_platform_errors_total Sync runs that ended in a platform or store error.\n\
         # TYPE orderhub_platform_errors_total counter\n",
    );
    for t in &totals {
        let _ = writeln!(
            out,
            "orderhub_platform_errors_total{{platform=\"{}\",shop=\"{}\"}} {}",
            platform_of(&t.shop),
            label(&t.shop),
            t.runs_failed
        );
    }
    out.push_str("# HELP orderhub_outbox_jobs Write-back jobs, by state.\n# TYPE orderhub_outbox_jobs gauge\n");
    let counts = store.outbox_counts().await?;
    for state_name in ["pending", "running", "done", "failed"] {
        let n = counts.iter().find(|(s, _)| s == state_name).map_or(0, |(_, n)| *n);
        let _ = writeln!(out, "orderhub_outbox_jobs{{state=\"{state_name}\"}} {n}");
    }
    out.push_str("# HELP orderhub_events_total Order events recorded.\n# TYPE orderhub_events_total counter\n");
    let last_event_seq = store.last_event_seq().await?;
    let _ = writeln!(out, "orderhub_events_total {last_event_seq}");
    out.push_str(
        "# HELP orderhub_sink_lag Events not yet published to a broker sink and confirmed.\n\
         # TYPE orderhub_sink_lag gauge\n\
         # HELP orderhub_sink_failures Failed publishing attempts of a sink since it last published.\n\
         # TYPE orderhub_sink_failures gauge\n",
    );
    let sinks = store.delivery_states(orderhub_store::Deliveries::Sinks).await?;
    for name in state.sinks.iter() {
        let (published, failures) =
            sinks.iter().find(|s| &s.name == name).map_or((last_event_seq, 0), |s| (s.delivered_seq, s.attempts));
        let _ = writeln!(out, "orderhub_sink_lag{{sink=\"{}\"}} {}", label(name), last_event_seq - published);
        let _ = writeln!(out, "orderhub_sink_failures{{sink=\"{}\"}} {failures}", label(name));
    }
    out.push_str(
        "# HELP orderhub_attention_open Open attention items (what needs a person), by kind and severity.\n\
         # TYPE orderhub_attention_open gauge\n",
    );
    let open = store.open_attention_counts().await?;
    for kind in orderhub_sync::attention::KINDS {
        for severity in [orderhub_store::Severity::Critical, orderhub_store::Severity::Warning] {
            let n = open.iter().find(|(k, s, _)| k == kind && *s == severity).map_or(0, |(_, _, n)| *n);
            let _ = writeln!(out, "orderhub_attention_open{{kind=\"{kind}\",severity=\"{}\"}} {n}", severity.as_str());
        }
    }
    out.push_str(
        "# HELP orderhub_http_requests_total Requests answered, by method, route and status.\n\
         # TYPE orderhub_http_requests_total counter\n",
    );
    for ((method, route, status), n) in state.metrics.snapshot() {
        let _ = writeln!(
            out,
            "orderhub_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
            label(&route)
        );
    }
    Ok(([(CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response())
}

/// A Prometheus label value, escaped.
fn label(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Every API key (never the keys themselves).
#[derive(Serialize, ToSchema)]
pub struct KeyList {
    keys: Vec<ApiKey>,
}

/// `GET /api/v1/keys` (admin): every key, never the keys themselves.
#[utoipa::path(
    get, path = "/api/v1/keys", operation_id = "list_keys", tag = "admin",
    responses(
        (status = 200, description = "Every key, revoked ones included", body = KeyList),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "The key lacks the admin scope", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn keys(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<KeyList>, ApiError> {
    caller.require(Scope::Admin)?;
    Ok(Json(KeyList { keys: state.hub.store.api_keys().await? }))
}

/// Each configured webhook's delivery state.
#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    webhooks: Vec<WebhookState>,
    /// The newest event: a webhook whose `delivered_seq` is below it is behind.
    last_event_seq: i64,
}

/// `GET /api/v1/webhooks` (admin): each configured webhook's delivery state.
#[utoipa::path(
    get, path = "/api/v1/webhooks", operation_id = "list_webhooks", tag = "admin",
    responses(
        (status = 200, description = "Delivery state of each webhook", body = WebhookList),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "The key lacks the admin scope", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn webhooks(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<WebhookList>, ApiError> {
    caller.require(Scope::Admin)?;
    let mut webhooks = Vec::new();
    for name in state.webhooks.iter() {
        webhooks.push(state.hub.store.webhook_state(name).await?);
    }
    Ok(Json(WebhookList { webhooks, last_event_seq: state.hub.store.last_event_seq().await? }))
}

/// Orders created on one UTC day on one platform.
#[derive(Serialize, ToSchema)]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    day: String,
    platform: String,
    orders: i64,
}

/// Counts for a dashboard.
#[derive(Serialize, ToSchema)]
pub struct Stats {
    status_counts: Vec<StatusCount>,
    /// The last 30 days, oldest first.
    orders_per_day: Vec<DayCount>,
}

/// The query string of `GET /api/v1/stats`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct StatsParams {
    /// Count only `sale`s (orders of sales platforms) or only `purchase`s
    /// (the seller's orders at a supplier); both when absent.
    role: Option<orderhub_model::Role>,
}

/// `GET /api/v1/stats`: orders per shop and status, and per day and platform
/// over the last 30 days.
#[utoipa::path(
    get, path = "/api/v1/stats", operation_id = "get_stats", tag = "orders", params(StatsParams),
    responses(
        (status = 200, description = "Counts by status and by day", body = Stats),
        (status = 400, description = "An unknown parameter, or a role that is not sale or purchase", body = ErrorBody),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn stats(State(state): State<AppState>, params: crate::routes::Params) -> Result<Json<Stats>, ApiError> {
    params.only(&["role"])?;
    let role = params
        .get("role")
        .map(|word| {
            orderhub_model::Role::parse(word)
                .ok_or_else(|| ApiError::BadRequest(format!("role {word:?} is not one of sale, purchase")))
        })
        .transpose()?;
    // A platform's role is its registry entry's; one the hub does not know counts as a sale.
    let wanted = |platform: &str| {
        let of = orderhub_connectors::registry::entry(platform).map_or(orderhub_model::Role::Sale, |e| e.role);
        role.is_none_or(|role| role == of)
    };
    let store = &state.hub.store;
    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 30);
    let orders_per_day = store
        .orders_per_day(since)
        .await?
        .into_iter()
        .filter(|(_, platform, _)| wanted(platform))
        .map(|(day, platform, orders)| DayCount { day, platform, orders })
        .collect();
    let status_counts = store.status_counts().await?.into_iter().filter(|count| wanted(&count.platform)).collect();
    Ok(Json(Stats { status_counts, orders_per_day }))
}
