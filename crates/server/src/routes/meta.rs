//! What is not about one order: health, metrics, keys, webhooks, statistics,
//! and the home page.

use crate::auth::{Caller, Scope};
use crate::openapi::ErrorBody;
use crate::{ApiError, AppState};
use axum::Extension;
use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use orderhub_store::{ApiKey, StatusCount, WebhookState};
use serde::Serialize;
use std::fmt::Write as _;
use utoipa::ToSchema;

/// The server is up.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    status: &'static str,
}

/// `GET /healthz`: the server and its store answer. Needs no key.
#[utoipa::path(
    get, path = "/healthz", operation_id = "healthz", tag = "admin",
    responses(
        (status = 200, description = "Up, and the store answers", body = Health),
        (status = 500, description = "The store does not answer", body = ErrorBody),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    // Touches the database, so "ok" means the store answers too.
    state.hub.store.last_event_seq().await?;
    Ok(Json(Health { status: "ok" }))
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
    let method = request.method().to_string();
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
    let _ = writeln!(out, "orderhub_events_total {}", store.last_event_seq().await?);
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

/// `GET /api/v1/stats`: orders per shop and status, and per day and platform
/// over the last 30 days.
#[utoipa::path(
    get, path = "/api/v1/stats", operation_id = "get_stats", tag = "orders",
    responses(
        (status = 200, description = "Counts by status and by day", body = Stats),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn stats(State(state): State<AppState>) -> Result<Json<Stats>, ApiError> {
    let store = &state.hub.store;
    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 30);
    let orders_per_day = store
        .orders_per_day(since)
        .await?
        .into_iter()
        .map(|(day, platform, orders)| DayCount { day, platform, orders })
        .collect();
    Ok(Json(Stats { status_counts: store.status_counts().await?, orders_per_day }))
}
