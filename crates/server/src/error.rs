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
    /// The platform failed or refused while we asked it on the caller's behalf. 502.
    #[error("{0}")]
    Platform(String),
    /// The store failed. 500; the detail goes to the log, not to the client.
    #[error("the order store failed; the server log has the detail")]
    Store(#[from] orderhub_store::StoreError),
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
            ApiError::Platform(_) => (StatusCode::BAD_GATEWAY, "platform_error"),
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
