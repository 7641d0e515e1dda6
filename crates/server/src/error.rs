//! The API's one error type, mapped once to HTTP responses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A request that could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed: a bad filter, a bad limit. 400.
    #[error("{0}")]
    BadRequest(String),
    /// No such order. 404.
    #[error("{0}")]
    NotFound(String),
    /// The store failed. 500; the detail goes to the log, not to the client.
    #[error("the order store failed")]
    Store(#[from] orderhub_store::StoreError),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Store(e) => {
                tracing::error!(error = %e, "store error while answering a request");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        (status, Json(json!({"error": {"code": code, "message": self.to_string()}}))).into_response()
    }
}
