//! `GET /api/v1/shops`, `POST /api/v1/shops/{key}/sync` and `/fetch`,
//! `GET /api/v1/sync/runs`.

use super::{Params, json_body};
use crate::auth::{Caller, Scope};
use crate::openapi::ErrorBody;
use crate::{ApiError, AppState};
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use orderhub_connectors::ListBy;
use orderhub_model::Platform;
use orderhub_store::{SyncRun, WriteStats};
use orderhub_sync::{StartSync, SyncReport};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

/// What a shop's platform can do through its API.
#[derive(Serialize, ToSchema)]
pub struct ShopCapabilities {
    /// `created_time`, `updated_time`, or `null` when the platform has no list
    /// (orders come in by number).
    list_by: Option<&'static str>,
    /// Orders can be fetched by number (`POST /api/v1/shops/{key}/fetch`).
    fetch_by_number: bool,
    /// Shipments can be sent (`POST /api/v1/orders/{id}/shipments`).
    ship: bool,
    /// Platform status codes an order can be set to (`POST /api/v1/orders/{id}/status`).
    status_codes: Vec<PlatformStatusCode>,
    /// The shipping address can be changed (`POST /api/v1/orders/{id}/address`).
    update_address: bool,
    max_page_size: u32,
}

impl ShopCapabilities {
    pub(crate) fn of(capabilities: &orderhub_connectors::Capabilities) -> ShopCapabilities {
        ShopCapabilities {
            list_by: match capabilities.list_by {
                Some(ListBy::CreatedTime) => Some("created_time"),
                Some(ListBy::UpdatedTime) => Some("updated_time"),
                None => None,
            },
            fetch_by_number: capabilities.fetch,
            ship: capabilities.ship,
            status_codes: capabilities
                .status_codes
                .iter()
                .map(|&(code, meaning)| PlatformStatusCode { code, meaning })
                .collect(),
            update_address: capabilities.update_address,
            max_page_size: capabilities.max_page_size,
        }
    }
}

/// One of a platform's own status codes.
#[derive(Serialize, ToSchema)]
pub struct PlatformStatusCode {
    code: &'static str,
    meaning: &'static str,
}

/// Why a shop's scheduled syncs stopped.
#[derive(Serialize, ToSchema)]
pub struct Paused {
    /// The platform's error, verbatim.
    reason: String,
    since: Timestamp,
    what_to_do: String,
}

/// A shop and its health.
#[derive(Serialize, ToSchema)]
pub struct ShopHealth {
    key: String,
    platform: Platform,
    capabilities: ShopCapabilities,
    sync_every_seconds: u64,
    /// A sync of the shop is running now.
    syncing: bool,
    /// Set while a refused token or spent quota keeps scheduled syncs off.
    paused: Option<Paused>,
    /// Orders stored.
    orders: i64,
    last_run: Option<SyncRun>,
    /// When the last sync that ended OK ended.
    last_ok_at: Option<Timestamp>,
    /// Seconds since then: how far behind the platform the store may be.
    lag_seconds: Option<i64>,
    /// Requests sent to the platform by all runs.
    api_calls: i64,
    runs_ok: i64,
    runs_failed: i64,
}

/// Every configured shop.
#[derive(Serialize, ToSchema)]
pub struct ShopList {
    shops: Vec<ShopHealth>,
}

/// `GET /api/v1/shops`: every shop with what its platform can do and its health.
#[utoipa::path(
    get, path = "/api/v1/shops", operation_id = "list_shops", tag = "shops",
    responses(
        (status = 200, description = "Every configured shop", body = ShopList),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn list(State(state): State<AppState>) -> Result<Json<ShopList>, ApiError> {
    let store = &state.hub.store;
    let totals: HashMap<String, _> = store.run_totals().await?.into_iter().map(|t| (t.shop.clone(), t)).collect();
    let counts: HashMap<String, i64> = store.shop_order_counts().await?.into_iter().collect();
    let mut shops = Vec::new();
    for shop in state.hub.shops() {
        let key = shop.key();
        let capabilities = shop.connector().capabilities();
        let total = totals.get(key);
        let last_ok_at = total.and_then(|t| t.last_ok_at);
        shops.push(ShopHealth {
            key: key.to_string(),
            platform: shop.connector().platform(),
            capabilities: ShopCapabilities::of(&capabilities),
            sync_every_seconds: shop.sync_every.as_secs(),
            syncing: shop.is_syncing(),
            paused: store.paused(key).await?.map(|(reason, since)| Paused {
                reason,
                since,
                what_to_do: format!(
                    "fix the shop's credentials or quota, then POST /api/v1/shops/{key}/sync (or `orderhub sync \
                     --shop {key} --once`); scheduled syncs retry hourly"
                ),
            }),
            orders: counts.get(key).copied().unwrap_or(0),
            last_run: store.runs(Some(key), 1).await?.into_iter().next(),
            last_ok_at,
            lag_seconds: last_ok_at.map(|t| Timestamp::now().duration_since(t).as_secs()),
            api_calls: total.map_or(0, |t| t.api_calls),
            runs_ok: total.map_or(0, |t| t.runs_ok),
            runs_failed: total.map_or(0, |t| t.runs_failed),
        });
    }
    Ok(Json(ShopList { shops }))
}

pub(crate) fn no_shop(key: &str, state: &AppState) -> ApiError {
    let keys: Vec<&str> = state.hub.shops().iter().map(|s| s.key()).collect();
    ApiError::NotFound(format!("no shop {key:?}: the configured shops are {}", keys.join(", ")))
}

/// A sync started in the background.
#[derive(Serialize, ToSchema)]
pub struct SyncStarted {
    /// `started`.
    status: &'static str,
    /// Where its run will show.
    runs: String,
}

/// A sync that ran to its end.
#[derive(Serialize, ToSchema)]
pub struct SyncDone {
    report: SyncReport,
}

/// `POST /api/v1/shops/{key}/sync`: starts a sync (202); with `?wait=true`
/// runs it and answers with its report.
#[utoipa::path(
    post, path = "/api/v1/shops/{key}/sync", operation_id = "sync_shop", tag = "shops",
    params(
        ("key" = String, Path, description = "The shop key"),
        ("wait" = Option<bool>, Query, description = "Run the sync and answer with its report"),
    ),
    responses(
        (status = 202, description = "Started", body = SyncStarted),
        (status = 200, description = "Ran to its end (wait=true)", body = SyncDone),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "The key lacks the write scope", body = ErrorBody),
        (status = 404, description = "No such shop", body = ErrorBody),
        (status = 409, description = "A sync of the shop is running", body = ErrorBody),
        (status = 502, description = "The sync failed at the platform", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn sync(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    caller.require(Scope::Write)?;
    params.only(&["wait"])?;
    let wait = match params.get("wait") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(ApiError::BadRequest(format!("wait {other:?} must be true or false"))),
    };
    if wait {
        if state.hub.shop(&key).is_none() {
            return Err(no_shop(&key, &state));
        }
        return match state.hub.sync_now(&key).await {
            Ok(report) => Ok(Json(SyncDone { report }).into_response()),
            Err(error @ orderhub_sync::SyncError::Platform { .. }) => {
                Err(ApiError::Platform(format!("the sync failed: {error}")))
            }
            Err(error) => Err(error.into()),
        };
    }
    match state.hub.start_sync(&key) {
        StartSync::Started => {
            let started = SyncStarted { status: "started", runs: format!("/api/v1/sync/runs?shop={key}") };
            Ok((axum::http::StatusCode::ACCEPTED, Json(started)).into_response())
        }
        StartSync::AlreadyRunning => Err(ApiError::Conflict(format!(
            "a sync of shop {key:?} is running; its run shows in GET /api/v1/sync/runs?shop={key}"
        ))),
        StartSync::NoSuchShop => Err(no_shop(&key, &state)),
    }
}

/// Orders to read from the platform by number.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchRequest {
    /// 1 to 100 order numbers.
    #[schema(min_items = 1, max_items = 100)]
    order_numbers: Vec<String>,
}

/// What a fetch stored, and the numbers the platform does not know.
#[derive(Serialize, ToSchema)]
pub struct FetchAnswer {
    stored: WriteStats,
    missing: Vec<String>,
}

/// `POST /api/v1/shops/{key}/fetch` with `{"order_numbers": [...]}` (1 to 100):
/// reads those orders from the platform and stores them.
#[utoipa::path(
    post, path = "/api/v1/shops/{key}/fetch", operation_id = "fetch_orders", tag = "shops",
    params(("key" = String, Path, description = "The shop key")),
    request_body = FetchRequest,
    responses(
        (status = 200, description = "Fetched and stored", body = FetchAnswer),
        (status = 400, description = "A bad body", body = ErrorBody),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "The key lacks the write scope", body = ErrorBody),
        (status = 404, description = "No such shop", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "The platform has no lookup by number", body = ErrorBody),
        (status = 502, description = "The platform failed", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn fetch(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<FetchAnswer>, ApiError> {
    caller.require(Scope::Write)?;
    let request: FetchRequest = json_body(body?)?;
    if request.order_numbers.is_empty() || request.order_numbers.len() > 100 {
        return Err(ApiError::BadRequest("order_numbers must hold 1 to 100 order numbers".into()));
    }
    if request.order_numbers.iter().any(|n| n.trim().is_empty() || n.len() > 100) {
        return Err(ApiError::BadRequest("each order number must be 1 to 100 characters".into()));
    }
    if state.hub.shop(&key).is_none() {
        return Err(no_shop(&key, &state));
    }
    let (stored, missing) = state.hub.fetch(&key, &request.order_numbers).await?;
    Ok(Json(FetchAnswer { stored, missing }))
}

/// Sync runs, newest first.
#[derive(Serialize, ToSchema)]
pub struct RunList {
    runs: Vec<SyncRun>,
}

/// `GET /api/v1/sync/runs?shop=&limit=`: the newest runs first.
#[utoipa::path(
    get, path = "/api/v1/sync/runs", operation_id = "list_sync_runs", tag = "shops",
    params(
        ("shop" = Option<String>, Query, description = "Only this shop"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "At most this many (default 50)"),
    ),
    responses(
        (status = 200, description = "Runs, newest first", body = RunList),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn runs(State(state): State<AppState>, params: Params) -> Result<Json<RunList>, ApiError> {
    params.only(&["shop", "limit"])?;
    let limit = match params.get("limit") {
        None => 50,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or_else(|| ApiError::BadRequest(format!("limit {text:?} must be a whole number from 1 to 500")))?,
    };
    Ok(Json(RunList { runs: state.hub.store.runs(params.get("shop"), limit).await? }))
}
