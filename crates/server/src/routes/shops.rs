//! `GET /api/v1/shops`, `POST /api/v1/shops/{key}/sync` and `/fetch`,
//! `GET /api/v1/sync/runs`.

use super::{Params, json_body};
use crate::auth::{Caller, Scope};
use crate::{ApiError, AppState};
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use orderhub_connectors::ListBy;
use orderhub_sync::StartSync;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// `GET /api/v1/shops`: every shop with what its platform can do and its health.
pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let store = &state.hub.store;
    let totals: HashMap<String, _> = store.run_totals().await?.into_iter().map(|t| (t.shop.clone(), t)).collect();
    let counts: HashMap<String, i64> = store.shop_order_counts().await?.into_iter().collect();
    let mut shops = Vec::new();
    for shop in state.hub.shops() {
        let key = shop.key();
        let capabilities = shop.connector().capabilities();
        let last_run = store.runs(Some(key), 1).await?.into_iter().next();
        let paused = store.paused(key).await?;
        let total = totals.get(key);
        let last_ok_at = total.and_then(|t| t.last_ok_at);
        shops.push(json!({
            "key": key,
            "platform": shop.connector().platform(),
            "capabilities": {
                "list_by": match capabilities.list_by {
                    Some(ListBy::CreatedTime) => Some("created_time"),
                    Some(ListBy::UpdatedTime) => Some("updated_time"),
                    None => None,
                },
                "fetch_by_number": capabilities.fetch,
                "ship": capabilities.ship,
                "status_codes": capabilities.status_codes.iter()
                    .map(|(code, meaning)| json!({"code": code, "meaning": meaning})).collect::<Vec<_>>(),
                "update_address": capabilities.update_address,
                "max_page_size": capabilities.max_page_size,
            },
            "sync_every_seconds": shop.sync_every.as_secs(),
            "syncing": shop.is_syncing(),
            "paused": paused.map(|(reason, since)| json!({
                "reason": reason,
                "since": since,
                "what_to_do": "fix the shop's credentials or quota, then POST /api/v1/shops/{key}/sync (or `orderhub sync --shop KEY --once`); scheduled syncs retry hourly",
            })),
            "orders": counts.get(key).copied().unwrap_or(0),
            "last_run": last_run,
            "last_ok_at": last_ok_at,
            "lag_seconds": last_ok_at.map(|t| Timestamp::now().duration_since(t).as_secs()),
            "api_calls": total.map_or(0, |t| t.api_calls),
            "runs_ok": total.map_or(0, |t| t.runs_ok),
            "runs_failed": total.map_or(0, |t| t.runs_failed),
        }));
    }
    Ok(Json(json!({"shops": shops})))
}

fn no_shop(key: &str, state: &AppState) -> ApiError {
    let keys: Vec<&str> = state.hub.shops().iter().map(|s| s.key()).collect();
    ApiError::NotFound(format!("no shop {key:?}: the configured shops are {}", keys.join(", ")))
}

/// `POST /api/v1/shops/{key}/sync`: starts a sync (202); with `?wait=true`
/// runs it and answers with its report.
pub async fn sync(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    params: Params,
) -> Result<(StatusCode, Json<Value>), ApiError> {
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
            Ok(report) => Ok((StatusCode::OK, Json(json!({"report": report})))),
            Err(error) => Err(ApiError::Platform(format!("the sync failed: {error}"))),
        };
    }
    match state.hub.start_sync(&key) {
        StartSync::Started => Ok((
            StatusCode::ACCEPTED,
            Json(json!({"status": "started", "runs": format!("/api/v1/sync/runs?shop={key}")})),
        )),
        StartSync::AlreadyRunning => Err(ApiError::Conflict(format!(
            "a sync of shop {key:?} is running; its run shows in GET /api/v1/sync/runs?shop={key}"
        ))),
        StartSync::NoSuchShop => Err(no_shop(&key, &state)),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FetchRequest {
    order_numbers: Vec<String>,
}

/// `POST /api/v1/shops/{key}/fetch` with `{"order_numbers": [...]}` (1 to 100):
/// reads those orders from the platform and stores them.
pub async fn fetch(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
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
    match state.hub.fetch(&key, &request.order_numbers).await {
        Ok((stored, missing)) => Ok(Json(json!({"stored": stored, "missing": missing}))),
        Err(orderhub_sync::SyncError::Platform { source, .. })
            if source.kind() == orderhub_connectors::ErrorKind::Config =>
        {
            Err(ApiError::Unprocessable(source.to_string()))
        }
        Err(error) => Err(ApiError::Platform(error.to_string())),
    }
}

/// `GET /api/v1/sync/runs?shop=&limit=`: the newest runs first.
pub async fn runs(State(state): State<AppState>, params: Params) -> Result<Json<Value>, ApiError> {
    params.only(&["shop", "limit"])?;
    let limit = match params.get("limit") {
        None => 50,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or_else(|| ApiError::BadRequest(format!("limit {text:?} must be a whole number from 1 to 500")))?,
    };
    Ok(Json(json!({"runs": state.hub.store.runs(params.get("shop"), limit).await?})))
}
