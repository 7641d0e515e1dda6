//! The attention list: what needs a person, one item per cause
//! (`orderhub_sync::attention`). `GET /api/v1/attention` lists it,
//! `GET /api/v1/attention/{id}` shows an item, and
//! `POST /api/v1/attention/{id}/dismiss` lets a person close one with a note.

use super::{Params, json_body};
use crate::auth::{Caller, Scope};
use crate::openapi::ErrorBody;
use crate::{ApiError, AppState};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use orderhub_store::{AttentionFilter, AttentionItem, Severity};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest note a dismissal takes, in characters.
const MAX_NOTE: usize = 2_000;

/// Attention items, newest first.
#[derive(Serialize, ToSchema)]
pub struct AttentionList {
    items: Vec<AttentionItem>,
    /// Pass as `before` for the next page; absent on the last.
    next_before: Option<i64>,
    /// Every open item counted by kind and severity, whatever the filters.
    open: Vec<OpenCount>,
}

/// How many items of a kind and severity are open.
#[derive(Serialize, ToSchema)]
pub struct OpenCount {
    kind: String,
    severity: Severity,
    count: i64,
}

/// `GET /api/v1/attention?kind=&shop=&severity=&open=&before=&limit=`.
#[utoipa::path(
    get, path = "/api/v1/attention", operation_id = "list_attention", tag = "attention",
    params(
        ("kind" = Option<String>, Query, description = "Only this kind: shop_paused, shop_stalled, writeback_failed, unreadable_order"),
        ("shop" = Option<String>, Query, description = "Only this shop"),
        ("severity" = Option<String>, Query, description = "critical or warning"),
        ("open" = Option<String>, Query, description = "true (the default): open items; false: closed ones; all: both"),
        ("before" = Option<i64>, Query, description = "Items with an id below this one (the next page)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "At most this many (default 100)"),
    ),
    responses(
        (status = 200, description = "Items, newest first", body = AttentionList),
        (status = 400, description = "A bad parameter", body = ErrorBody),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn list(State(state): State<AppState>, params: Params) -> Result<Json<AttentionList>, ApiError> {
    let filter = filter_of(&params)?;
    let items = state.hub.store.attention_items(&filter).await?;
    let next_before = (items.len() as i64 == filter.limit).then(|| items.last().map(|item| item.id)).flatten();
    let open = state.hub.store.open_attention_counts().await?;
    let open = open.into_iter().map(|(kind, severity, count)| OpenCount { kind, severity, count }).collect();
    Ok(Json(AttentionList { items, next_before, open }))
}

fn filter_of(params: &Params) -> Result<AttentionFilter, ApiError> {
    params.only(&["kind", "shop", "severity", "open", "before", "limit"])?;
    let severity = match params.get("severity") {
        None => None,
        Some("critical") => Some(Severity::Critical),
        Some("warning") => Some(Severity::Warning),
        Some(other) => return Err(ApiError::BadRequest(format!("severity {other:?} must be critical or warning"))),
    };
    let open = match params.get("open") {
        None | Some("true") => Some(true),
        Some("false") => Some(false),
        Some("all") => None,
        Some(other) => return Err(ApiError::BadRequest(format!("open {other:?} must be true, false or all"))),
    };
    let number = |name: &str, range: std::ops::RangeInclusive<i64>| -> Result<Option<i64>, ApiError> {
        params
            .get(name)
            .map(|text| {
                text.parse::<i64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "{name} {text:?} must be a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ))
                })
            })
            .transpose()
    };
    Ok(AttentionFilter {
        kind: params.get("kind").map(str::to_string),
        shop: params.get("shop").map(str::to_string),
        severity,
        open,
        before_id: number("before", 1..=i64::MAX)?,
        limit: number("limit", 1..=500)?.unwrap_or(100),
    })
}

/// `GET /api/v1/attention/{id}`: one item, open or closed.
#[utoipa::path(
    get, path = "/api/v1/attention/{id}", operation_id = "show_attention", tag = "attention",
    params(("id" = i64, Path, description = "The item's id")),
    responses(
        (status = 200, description = "The item", body = AttentionItem),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn show(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<AttentionItem>, ApiError> {
    let id = item_id(&id)?;
    let item = state.hub.store.attention_item(id).await?;
    item.map(Json).ok_or_else(|| no_item(id))
}

/// Why a person closes an item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dismissal {
    /// What was done or why nothing needs doing: 1 to 2,000 characters.
    note: String,
}

/// `POST /api/v1/attention/{id}/dismiss`: a person closes an open item,
/// with a note; recorded with the key's name and the time. The item stays
/// closed while its cause lasts; a cause that clears and comes back opens
/// a new one.
#[utoipa::path(
    post, path = "/api/v1/attention/{id}/dismiss", operation_id = "dismiss_attention", tag = "attention",
    params(("id" = i64, Path, description = "The item's id")),
    request_body = Dismissal,
    responses(
        (status = 200, description = "The item, dismissed", body = AttentionItem),
        (status = 400, description = "No note, or a bad body", body = ErrorBody),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "The key lacks the write scope", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 409, description = "The item is closed already", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn dismiss(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<AttentionItem>, ApiError> {
    caller.require(Scope::Write)?;
    let id = item_id(&id)?;
    let Dismissal { note } = json_body(body?)?;
    let note = note.trim();
    if note.is_empty() || note.chars().count() > MAX_NOTE {
        return Err(ApiError::BadRequest(format!(
            "note must say what was done or why nothing needs doing, in 1 to {MAX_NOTE} characters"
        )));
    }
    let store = &state.hub.store;
    let by = format!("key:{}", caller.key_name);
    if let Some(item) = store.dismiss_attention(id, &by, note).await? {
        return Ok(Json(item));
    }
    match store.attention_item(id).await? {
        None => Err(no_item(id)),
        Some(item) => Err(ApiError::Conflict(format!("attention item {id} is closed already ({})", closed_how(&item)))),
    }
}

/// How a closed item closed, in words.
fn closed_how(item: &AttentionItem) -> String {
    match (&item.dismissed_at, &item.dismissed_by, &item.cleared_at) {
        (Some(at), by, _) => format!("dismissed by {} at {at:.0}", by.as_deref().unwrap_or("someone")),
        (None, _, Some(at)) => format!("its cause cleared at {at:.0}"),
        (None, _, None) => "open".to_string(),
    }
}

fn item_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::BadRequest(format!("{text:?} is not an attention item's id (a whole number)")))
}

fn no_item(id: i64) -> ApiError {
    ApiError::NotFound(format!("no attention item {id}: GET /api/v1/attention lists them"))
}
