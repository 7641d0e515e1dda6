//! The API's one error type, mapped once to HTTP responses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A request that could not be answered. Every variant becomes the same JSON
/// shape: `{"error": {"code": "...", "message": "..."}}`; the message says what
/// was wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed: a bad filter, limit, cursor or body. 400.
    #[error("{0}")]
    BadRequest(String),
    /// No API key, or one that is unknown or revoked. 401.
    #[error("{0}")]
    Unauthorized(String),
    /// The key lacks the scope this route needs. 403.
    #[error("{0}")]
    Forbidden(String),
    /// No such order, shop, job or route. 404.
    #[error("{0}")]
    NotFound(String),
    /// The route exists but not with this method. 405.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The request conflicts with what is already stored or running (an order
    /// already shipped, a sync already running). 409.
    #[error("{0}")]
    Conflict(String),
    /// The body is larger than the API takes. 413.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The platform cannot do this (no shipments through its API, an unknown
    /// status code). 422.
    #[error("{0}")]
    Unprocessable(String),
    /// The request's target or headers are longer than the API reads: 414 or 431.
    #[error("{message}")]
    TooLong { status: StatusCode, message: String },
    /// An answer made outside the handlers (an extractor's or the router's
    /// plain-text refusal), in the one shape: its status, its text.
    #[error("{message}")]
    Plain { status: StatusCode, message: String },
    /// The platform failed or refused while we asked it on the caller's behalf. 502.
    #[error("{0}")]
    Platform(String),
    /// The store failed. 503 (`store_unavailable`) when the database itself
    /// cannot be used now (a full disk, a lost connection: it recovers by
    /// itself once the cause clears), else 500. The detail goes to the log,
    /// not to the client.
    #[error("{}", store_message(.0))]
    Store(#[from] orderhub_store::StoreError),
}

/// The code of a plain-text answer's status.
fn plain_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "timeout",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        500..=599 => "internal",
        _ => "error",
    }
}

fn store_message(error: &orderhub_store::StoreError) -> &'static str {
    if error.is_unavailable() {
        "the order store cannot be used now (its disk may be full, or its database unreachable); nothing was \
         changed by this request: try again once GET /healthz says ok; the server log has the detail"
    } else {
        "the order store failed; the server log has the detail"
    }
}

/// A sync, fetch or shipment that stopped, as an answer: the platform's
/// failures are 502, the store's its own (never called a platform error).
impl From<orderhub_sync::SyncError> for ApiError {
    fn from(error: orderhub_sync::SyncError) -> Self {
        use orderhub_sync::SyncError;
        match error {
            SyncError::Platform { source, .. } if source.kind() == orderhub_connectors::ErrorKind::Config => {
                ApiError::Unprocessable(source.to_string())
            }
            SyncError::Platform { .. } => ApiError::Platform(error.to_string()),
            SyncError::Store { source, .. } => ApiError::Store(source),
            SyncError::Unsupported { .. } => ApiError::Unprocessable(error.to_string()),
            SyncError::Elsewhere { .. } | SyncError::Stopped { .. } => ApiError::Conflict(error.to_string()),
        }
    }
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unprocessable"),
            ApiError::TooLong { status, .. } if *status == StatusCode::URI_TOO_LONG => (*status, "uri_too_long"),
            ApiError::TooLong { status, .. } => (*status, "headers_too_large"),
            ApiError::Plain { status, .. } => (*status, plain_code(*status)),
            ApiError::Platform(_) => (StatusCode::BAD_GATEWAY, "platform_error"),
            ApiError::Store(error) if error.is_unavailable() => (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable"),
            ApiError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Store(e) = &self {
            tracing::error!(error = %e, "store error while answering a request");
        }
        (status, Json(json!({"error": {"code": code, "message": self.to_string()}}))).into_response()
    }
}

/// A body-reading failure as an API error (too large, unreadable).
impl From<axum::extract::rejection::BytesRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(format!("the body is larger than the API takes ({} bytes)", crate::MAX_BODY))
        } else {
            ApiError::BadRequest(format!("cannot read the body: {}", rejection.body_text()))
        }
    }
}
