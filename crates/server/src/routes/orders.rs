//! `GET /api/v1/orders`, `/orders/{id}` and `/orders/{id}/events`.

use super::{JsonText, Params, events_json, order_text};
use crate::auth::Caller;
use crate::openapi::ErrorBody;
use crate::{ApiError, AppState, cursor};
use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use orderhub_model::{FulfillmentStatus, Order, OrderStatus, PaymentStatus, Platform, RefundStatus, Role};
use orderhub_store::{OrderQuery, OrderSort, StoredEvent};
use serde::Serialize;
use serde_json::Value;
use std::sync::OnceLock;
use utoipa::openapi::path::ParameterIn;
use utoipa::{IntoParams, ToSchema};

/// The largest page.
pub const MAX_LIMIT: i64 = 500;

/// The parameters that page rather than filter.
const PAGING: [&str; 3] = ["sort", "limit", "cursor"];

/// The listing's parameter names, as [`OrderListParams`] documents them: the
/// one list that unknown parameters are refused by and that a cursor's
/// filters are fingerprinted in the order of.
fn parameter_names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        OrderListParams::into_params(|| Some(ParameterIn::Query))
            .into_iter()
            .map(|parameter| &*parameter.name.leak())
            .collect()
    })
}

/// The request's filters, in the documented order (whatever the request's).
fn filters_of(params: &Params) -> Vec<(&'static str, &str)> {
    let names = parameter_names().iter().filter(|name| !PAGING.contains(name));
    names.filter_map(|&name| Some((name, params.get(name)?))).collect()
}

/// Checks a status filter against its words.
fn status_word<T: Copy>(
    name: &str,
    value: &str,
    all: &[T],
    as_str: fn(T) -> &'static str,
) -> Result<Option<String>, ApiError> {
    let words: Vec<&str> = all.iter().map(|v| as_str(*v)).collect();
    if words.contains(&value) {
        return Ok(Some(value.to_string()));
    }
    Err(ApiError::BadRequest(format!("{name} {value:?} is not one of {}", words.join(", "))))
}

/// Sets the filter `name` of `query` to `value`, checked.
fn set_filter(query: &mut OrderQuery, params: &Params, name: &str, value: &str) -> Result<(), ApiError> {
    let text = Some(value.to_string());
    match name {
        "platform" => {
            orderhub_connectors::registry::platform(value)
                .map_err(|e| ApiError::BadRequest(format!("platform: {e}")))?;
            query.platform = text;
        }
        "role" => {
            let role = Role::parse(value)
                .ok_or_else(|| ApiError::BadRequest(format!("role {value:?} is not one of sale, purchase")))?;
            let platforms = orderhub_connectors::registry::platforms().into_iter().filter(|e| e.role == role);
            query.platforms = Some(platforms.map(|entry| entry.platform.as_str().to_string()).collect());
        }
        "shop" => query.shop = text,
        "status" => query.status = status_word(name, value, OrderStatus::ALL, OrderStatus::as_str)?,
        "payment_status" => {
            query.payment_status = status_word(name, value, PaymentStatus::ALL, PaymentStatus::as_str)?;
        }
        "fulfillment_status" => {
            query.fulfillment_status = status_word(name, value, FulfillmentStatus::ALL, FulfillmentStatus::as_str)?;
        }
        "refund_status" => query.refund_status = status_word(name, value, RefundStatus::ALL, RefundStatus::as_str)?,
        "order_number" => query.order_number = text,
        "created_from" => query.created_from = params.time(name)?,
        "created_to" => query.created_to = params.time(name)?,
        "updated_from" => query.updated_from = params.time(name)?,
        "updated_to" => query.updated_to = params.time(name)?,
        "ship_by_before" => query.ship_by_before = params.time(name)?,
        "linked" => {
            query.linked = Some(match value {
                "true" => true,
                "false" => false,
                _ => return Err(ApiError::BadRequest(format!("linked {value:?} is not one of true, false"))),
            });
        }
        "fulfilled_by" => query.fulfilled_by = text,
        "sku" => query.sku = text,
        "q" => query.q = text,
        // The test `every_documented_filter_is_read` calls this for each name.
        other => unreachable!("the listing documents {other:?} but does not read it"),
    }
    Ok(())
}

/// A listing asked for: the store's query, and the fingerprint of its
/// filters that its cursors carry.
struct Listing {
    query: OrderQuery,
    fingerprint: u64,
}

/// Builds the store query from the request's parameters; `pii`: whether
/// the caller may see buyers, and so find orders by them.
fn order_query(params: &Params, pii: bool) -> Result<Listing, ApiError> {
    params.only(parameter_names())?;
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
    let mut query = OrderQuery { buyer_terms: pii, sort, limit, ..OrderQuery::default() };
    let filters = filters_of(params);
    for &(name, value) in &filters {
        set_filter(&mut query, params, name, value)?;
    }
    let fingerprint = cursor::fingerprint(&filters);
    query.after = params.get("cursor").map(|c| cursor::decode(c, sort, fingerprint)).transpose()?;
    Ok(Listing { query, fingerprint })
}

/// The query string of `GET /api/v1/orders` (documentation: [`Params`]
/// parses it, so that a typo is an error rather than an ignored filter).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct OrderListParams {
    platform: Option<Platform>,
    /// `sale` (orders of sales platforms) or `purchase` (the seller's orders
    /// at a supplier platform, Westmonth).
    role: Option<orderhub_model::Role>,
    /// A configured shop key.
    shop: Option<String>,
    status: Option<OrderStatus>,
    payment_status: Option<PaymentStatus>,
    fulfillment_status: Option<FulfillmentStatus>,
    refund_status: Option<RefundStatus>,
    /// The platform's order number, exactly.
    order_number: Option<String>,
    /// Created at or after this instant (RFC 3339).
    created_from: Option<jiff::Timestamp>,
    /// Created before this instant.
    created_to: Option<jiff::Timestamp>,
    /// Updated by the platform at or after this instant.
    updated_from: Option<jiff::Timestamp>,
    /// Updated by the platform before this instant.
    updated_to: Option<jiff::Timestamp>,
    /// Awaiting shipment with a ship-by deadline before this instant: the
    /// orders due (or late) by then.
    ship_by_before: Option<jiff::Timestamp>,
    /// `true`: orders tied to another by a resolved link (a purchase at the
    /// supplier and the shop order it fulfils); `false`: the others.
    linked: Option<bool>,
    /// Shop orders fulfilled by a purchase of this supplier shop.
    fulfilled_by: Option<String>,
    /// Orders with a line of exactly this SKU.
    sku: Option<String>,
    /// Search: the start of an order number, platform order id or tracking
    /// number, in any case; with a key that has the `pii` scope also of a
    /// buyer's or receiver's name, phone or email (without it, buyers are
    /// never matched: a search must not tell what masking hides).
    q: Option<String>,
    /// `-created` (newest first, the default), `created`, or `updated` (least
    /// recently updated first: follow changes by paging this way).
    #[param(pattern = "^(-created|created|updated)$")]
    sort: Option<String>,
    /// Orders per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page (same filters and sort).
    #[param(pattern = "^([0-9a-f]{2})+$")]
    cursor: Option<String>,
}

/// A page of orders.
#[derive(Serialize, ToSchema)]
pub struct OrderPage {
    /// Orders in the listing's sort order.
    #[schema(value_type = Vec<Order>)]
    orders: Vec<Value>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

/// An order's timeline.
#[derive(Serialize, ToSchema)]
pub struct OrderEvents {
    #[schema(value_type = Vec<StoredEvent>)]
    events: Value,
}

/// `GET /api/v1/orders`: a page of orders and the cursor of the next.
///
/// Paging by creation serves each order exactly once however orders change;
/// paging by `updated` never skips one, and serves an order again only if it
/// changed after it was served.
#[utoipa::path(
    get, path = "/api/v1/orders", operation_id = "list_orders", tag = "orders", params(OrderListParams),
    responses(
        (status = 200, description = "A page of orders", body = OrderPage),
        (status = 400, description = "A bad filter, limit, sort or cursor", body = ErrorBody),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> Result<JsonText, ApiError> {
    let Listing { query, fingerprint } = order_query(&params, caller.pii)?;
    let page = state.hub.store.list_documents(&query).await?;
    let next_cursor = page.next.map(|key| cursor::encode(query.sort, &key, fingerprint));
    // The page written as `OrderPage` serialises, each order as its text.
    let mut body = String::with_capacity(page.documents.iter().map(|d| d.json.len() + 1).sum::<usize>() + 64);
    body.push_str("{\"orders\":[");
    for (index, document) in page.documents.iter().enumerate() {
        if index > 0 {
            body.push(',');
        }
        body.push_str(&order_text(document, &caller)?);
    }
    body.push_str("],\"next_cursor\":");
    body.push_str(&serde_json::to_string(&next_cursor).expect("a cursor serialises"));
    body.push('}');
    Ok(JsonText(body))
}

/// `GET /api/v1/orders/{id}`.
#[utoipa::path(
    get, path = "/api/v1/orders/{id}", operation_id = "get_order", tag = "orders",
    params(("id" = String, Path, description = "The hub id: `<platform>:<shop>:<order number>`")),
    responses(
        (status = 200, description = "The order", body = Order),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<JsonText, ApiError> {
    match state.hub.store.order_document(&id).await? {
        Some(document) => Ok(JsonText(order_text(&document, &caller)?.into_owned())),
        None => Err(not_found(&id)),
    }
}

pub fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!(
        "no order {id:?}: ids are \"<platform>:<shop>:<order number>\", as `id` in GET /api/v1/orders"
    ))
}

/// `GET /api/v1/orders/{id}/events`: the order's timeline, oldest first.
#[utoipa::path(
    get, path = "/api/v1/orders/{id}/events", operation_id = "get_order_events", tag = "orders",
    params(("id" = String, Path, description = "The hub id")),
    responses(
        (status = 200, description = "Every change of the order, oldest first", body = OrderEvents),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn events(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<OrderEvents>, ApiError> {
    let store = &state.hub.store;
    if store.order(&id).await?.is_none() {
        return Err(not_found(&id));
    }
    let events = events_json(&store.events(&id).await?, &caller);
    Ok(Json(OrderEvents { events }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every parameter the listing documents is read: a filter documented
    /// but not read would panic in `set_filter`, and one read but not
    /// documented would be refused as unknown.
    #[test]
    fn every_documented_filter_is_read() {
        let sample = |name: &str| match name {
            "platform" => "shoptima",
            "role" => "purchase",
            "linked" => "true",
            "status" => "shipped",
            "payment_status" => "paid",
            "fulfillment_status" => "fulfilled",
            "refund_status" => "none",
            name if name.ends_with("_from") || name.ends_with("_to") || name.ends_with("_before") => {
                "2024-05-01T00:00:00Z"
            }
            _ => "x",
        };
        let names: Vec<&str> = parameter_names().iter().copied().filter(|n| !PAGING.contains(n)).collect();
        assert_eq!(names.len(), 17, "{names:?}");
        let params = Params::from_pairs(names.iter().map(|&name| (name, sample(name))));
        let query = order_query(&params, true).unwrap().query;
        assert_eq!(query.platform.as_deref(), Some("shoptima"));
        assert_eq!(query.platforms, Some(vec!["westmonth".to_string()]), "the platforms of purchases");
        assert_eq!(query.q.as_deref(), Some("x"));
        assert_eq!((query.linked, query.fulfilled_by.as_deref()), (Some(true), Some("x")));
        assert!(query.updated_to.is_some() && query.ship_by_before.is_some());
        for paging in PAGING {
            assert!(parameter_names().contains(&paging), "{paging} is documented");
        }
    }
}
