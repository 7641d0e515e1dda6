//! The router and what the handlers share: query parameters, JSON bodies,
//! orders as the caller may see them. One file per group of routes beside it.

pub(crate) mod attention;
pub(crate) mod feed;
pub(crate) mod meta;
pub(crate) mod orders;
pub(crate) mod platforms;
pub(crate) mod shop_check;
pub(crate) mod shops;
pub(crate) mod sinks;
pub(crate) mod writeback;

use crate::auth::{self, Caller};
use crate::{ApiError, AppState, MAX_BODY};
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Query};
use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use orderhub_store::{OrderDocument, StoreError};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::borrow::Cow;

/// Every route.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/orders", get(orders::list))
        .route("/orders/{id}", get(orders::show))
        .route("/orders/{id}/events", get(orders::events))
        .route("/orders/{id}/shipments", post(writeback::ship))
        .route("/orders/{id}/status", post(writeback::status))
        .route("/orders/{id}/address", post(writeback::address))
        .route("/orders/{id}/writebacks", get(writeback::of_order))
        .route("/outbox/{job}", get(writeback::job))
        .route("/events", get(feed::events))
        .route("/platforms", get(platforms::list))
        .route("/shops", get(shops::list))
        .route("/shops/{key}/sync", post(shops::sync))
        .route("/shops/{key}/fetch", post(shops::fetch))
        .route("/shops/{key}/check", post(shop_check::check))
        .route("/sync/runs", get(shops::runs))
        .route("/keys", get(meta::keys))
        .route("/webhooks", get(meta::webhooks))
        .route("/sinks", get(sinks::list))
        .route("/stats", get(meta::stats))
        .route("/attention", get(attention::list))
        .route("/attention/{id}", get(attention::show))
        .route("/attention/{id}/dismiss", post(attention::dismiss))
        // route_layer: an unknown path is a 404, not a 401.
        .route_layer(from_fn_with_state(state.hub.store.clone(), auth::authenticate));
    Router::new()
        .merge(crate::dashboard::routes())
        .route("/healthz", get(meta::healthz))
        .route("/metrics", get(meta::metrics))
        .route("/openapi.json", get(meta::openapi_json))
        .nest("/api/v1", api)
        .fallback(|| async {
            ApiError::NotFound("no such route: the API is under /api/v1 (GET /api/v1/orders)".into())
        })
        .method_not_allowed_fallback(|| async {
            ApiError::MethodNotAllowed("this route does not take that method".into())
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(every_error_in_one_shape))
        .layer(from_fn_with_state(state.clone(), meta::count_request))
        .with_state(state)
}

/// The longest request target (path and query) the API reads, in bytes.
pub const MAX_TARGET: usize = 8 * 1024;
/// The most header bytes (names and values) a request may carry.
pub const MAX_HEADERS: usize = 32 * 1024;

/// Refuses a target or headers longer than the API reads (414, 431), and
/// gives an error that an extractor or axum itself answered in plain text
/// (a path that is not UTF-8, a malformed header) the API's one JSON shape,
/// its text as the message.
async fn every_error_in_one_shape(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{StatusCode, header::CONTENT_TYPE};
    use axum::response::IntoResponse;
    let target = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_TARGET {
        let message = format!("the request target is {target} bytes; the API reads at most {MAX_TARGET}");
        return ApiError::TooLong { status: StatusCode::URI_TOO_LONG, message }.into_response();
    }
    let headers: usize = request.headers().iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    if headers > MAX_HEADERS {
        let message = format!("the request's headers are {headers} bytes; the API reads at most {MAX_HEADERS}");
        return ApiError::TooLong { status: StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, message }.into_response();
    }
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response.headers().get(CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if status.as_u16() < 400 || is_json {
        return response;
    }
    let body = axum::body::to_bytes(response.into_body(), MAX_BODY).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&body).trim().to_string();
    let message = if text.is_empty() { status.canonical_reason().unwrap_or("error").to_string() } else { text };
    ApiError::Plain { status, message }.into_response()
}

/// A request's query parameters, in order. Unknown and repeated parameters
/// are refused by [`Params::only`], so a typo (`stauts=`) is an error, not a
/// silently ignored filter.
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<Vec<(String, String)>>::from_request_parts(parts, state).await {
            Ok(Query(pairs)) => Ok(Params(pairs)),
            Err(rejection) => Err(ApiError::BadRequest(format!("bad query string: {}", rejection.body_text()))),
        }
    }
}

impl Params {
    /// Parameters from name-value pairs.
    #[cfg(test)]
    pub fn from_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Params {
        Params(pairs.map(|(name, value)| (name.to_string(), value.to_string())).collect())
    }

    /// The value of `name`. An empty value is a value: `limit=` is refused
    /// as not a number, never taken for "no limit given".
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Refuses parameters not in `known`, and any given twice.
    pub fn only(&self, known: &[&str]) -> Result<(), ApiError> {
        for (i, (name, _)) in self.0.iter().enumerate() {
            if !known.contains(&name.as_str()) {
                return Err(ApiError::BadRequest(format!(
                    "unknown parameter {name:?}: this route takes {}",
                    known.join(", ")
                )));
            }
            if self.0[..i].iter().any(|(n, _)| n == name) {
                return Err(ApiError::BadRequest(format!("parameter {name:?} is given twice")));
            }
        }
        Ok(())
    }

    /// A time parameter: RFC 3339 with an offset.
    pub fn time(&self, name: &str) -> Result<Option<jiff::Timestamp>, ApiError> {
        self.get(name)
            .map(|text| {
                text.parse::<jiff::Timestamp>().map_err(|_| {
                    ApiError::BadRequest(format!(
                        "{name} {text:?} is not an RFC 3339 time with an offset, such as 2024-05-01T00:00:00Z"
                    ))
                })
            })
            .transpose()
    }
}

/// Reads a JSON body into `T`, with a message that says what is wrong.
pub fn json_body<T: DeserializeOwned>(body: axum::body::Bytes) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::BadRequest("the request needs a JSON body".into()));
    }
    serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("bad JSON body: {e}")))
}

/// Events (an order's timeline, the feed) as the caller may see them: the
/// `customer` and `shipping_address` changes masked without the `pii` scope.
pub fn events_json<T: serde::Serialize>(events: &[T], caller: &Caller) -> Value {
    let mut events = serde_json::to_value(events).expect("events serialise");
    if !caller.pii {
        for event in events.as_array_mut().into_iter().flatten() {
            if let Some(changes) = event.get_mut("changes") {
                orderhub_model::masking::mask_changes(changes);
            }
        }
    }
    events
}

/// An order as the caller may see it: the stored document as it is with the
/// `pii` scope, masked without.
pub fn order_text<'d>(document: &'d OrderDocument, caller: &Caller) -> Result<Cow<'d, str>, ApiError> {
    if caller.pii {
        return Ok(Cow::Borrowed(&document.json));
    }
    orderhub_model::masking::mask_document(&document.json)
        .map(Cow::Owned)
        .map_err(|e| ApiError::Store(StoreError::Corrupt { id: document.id.clone(), detail: format!("document: {e}") }))
}

/// An answer whose JSON text is already written: orders go out as the
/// store holds them, never read into a tree and written out again.
pub struct JsonText(pub String);

impl IntoResponse for JsonText {
    fn into_response(self) -> Response {
        ([(CONTENT_TYPE, HeaderValue::from_static("application/json"))], self.0).into_response()
    }
}
