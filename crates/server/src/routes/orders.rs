//! `GET /api/v1/orders`, `/orders/{id}` and `/orders/{id}/events`.

use super::{Params, order_json};
use crate::auth::{Caller, mask_changes};
use crate::{ApiError, AppState, cursor};
use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use orderhub_model::{FulfillmentStatus, OrderStatus, PaymentStatus, Platform, RefundStatus};
use orderhub_store::{OrderQuery, OrderSort};
use serde_json::{Value, json};

/// The largest page.
pub const MAX_LIMIT: i64 = 500;

const FILTERS: &[&str] = &[
    "platform",
    "shop",
    "status",
    "payment_status",
    "fulfillment_status",
    "refund_status",
    "order_number",
    "created_from",
    "created_to",
    "updated_from",
    "updated_to",
    "sku",
    "q",
];

/// Checks a status filter against its words.
fn status_word(params: &Params, name: &str, words: &[&str]) -> Result<Option<String>, ApiError> {
    match params.get(name) {
        None => Ok(None),
        Some(value) if words.contains(&value) => Ok(Some(value.to_string())),
        Some(value) => Err(ApiError::BadRequest(format!("{name} {value:?} is not one of {}", words.join(", ")))),
    }
}

fn words<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| as_str(*v)).collect()
}

/// Builds the store query from the request's parameters.
fn order_query(params: &Params) -> Result<OrderQuery, ApiError> {
    let mut known: Vec<&str> = FILTERS.to_vec();
    known.extend(["sort", "limit", "cursor"]);
    params.only(&known)?;
    if let Some(platform) = params.get("platform") {
        platform.parse::<Platform>().map_err(|e| ApiError::BadRequest(format!("platform: {e}")))?;
    }
    let sort = match params.get("sort") {
        None => OrderSort::default(),
        Some(name) => OrderSort::parse(name).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "sort {name:?} is not one of -created (newest first, the default), created, updated"
            ))
        })?,
    };
    let limit = match params.get("limit") {
        None => 50,
        Some(text) => match text.parse::<i64>() {
            Ok(n @ 1..=MAX_LIMIT) => n,
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "limit {text:?} must be a whole number from 1 to {MAX_LIMIT}"
                )));
            }
        },
    };
    let text = |name: &str| params.get(name).map(str::to_string);
    let filters: Vec<(&str, &str)> = FILTERS.iter().filter_map(|&name| Some((name, params.get(name)?))).collect();
    let fingerprint = cursor::fingerprint(&filters);
    let after = params.get("cursor").map(|c| cursor::decode(c, sort, fingerprint)).transpose()?;
    Ok(OrderQuery {
        platform: text("platform"),
        shop: text("shop"),
        status: status_word(params, "status", &words(OrderStatus::ALL, OrderStatus::as_str))?,
        payment_status: status_word(params, "payment_status", &words(PaymentStatus::ALL, PaymentStatus::as_str))?,
        fulfillment_status: status_word(
            params,
            "fulfillment_status",
            &words(FulfillmentStatus::ALL, FulfillmentStatus::as_str),
        )?,
        refund_status: status_word(params, "refund_status", &words(RefundStatus::ALL, RefundStatus::as_str))?,
        order_number: text("order_number"),
        created_from: params.time("created_from")?,
        created_to: params.time("created_to")?,
        updated_from: params.time("updated_from")?,
        updated_to: params.time("updated_to")?,
        sku: text("sku"),
        q: text("q"),
        sort,
        after,
        limit,
    })
}

/// `GET /api/v1/orders`: a page of orders and the cursor of the next.
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let query = order_query(&params)?;
    let page = state.hub.store.list_orders(&query).await?;
    let filters: Vec<(&str, &str)> = FILTERS.iter().filter_map(|&name| Some((name, params.get(name)?))).collect();
    let next_cursor = page.next.map(|key| cursor::encode(query.sort, &key, cursor::fingerprint(&filters)));
    let orders: Vec<Value> = page.orders.iter().map(|o| order_json(o, &caller)).collect();
    Ok(Json(json!({"orders": orders, "next_cursor": next_cursor})))
}

/// `GET /api/v1/orders/{id}`.
pub async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    match state.hub.store.order(&id).await? {
        Some(order) => Ok(Json(order_json(&order, &caller))),
        None => Err(not_found(&id)),
    }
}

pub fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!(
        "no order {id:?}: ids are \"<platform>:<shop>:<order number>\", as `id` in GET /api/v1/orders"
    ))
}

/// `GET /api/v1/orders/{id}/events`: the order's timeline, oldest first.
pub async fn events(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = &state.hub.store;
    if store.order(&id).await?.is_none() {
        return Err(not_found(&id));
    }
    let mut events = serde_json::to_value(store.events(&id).await?).expect("events serialise");
    if !caller.pii {
        for event in events.as_array_mut().into_iter().flatten() {
            if let Some(changes) = event.get_mut("changes") {
                mask_changes(changes);
            }
        }
    }
    Ok(Json(json!({"events": events})))
}
