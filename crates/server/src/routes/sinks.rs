//! `GET /api/v1/sinks` (admin): how far each configured broker sink has
//! published the change feed, and its last failure.

use crate::auth::{Caller, Scope};
use crate::openapi::ErrorBody;
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::{Extension, Json};
use orderhub_store::{Deliveries, WebhookState};
use serde::Serialize;
use utoipa::ToSchema;

/// One sink's progress.
#[derive(Serialize, ToSchema)]
pub struct SinkProgress {
    #[serde(flatten)]
    state: WebhookState,
    /// Events recorded but not yet published and confirmed.
    lag: i64,
}

/// Each configured sink's progress.
#[derive(Serialize, ToSchema)]
pub struct SinkList {
    sinks: Vec<SinkProgress>,
    /// The newest event.
    last_event_seq: i64,
}

/// `GET /api/v1/sinks` (admin): each configured sink's progress (the last
/// event published and confirmed, how many, failed attempts since, the last
/// error) and its lag behind the newest event.
#[utoipa::path(
    get, path = "/api/v1/sinks", operation_id = "list_sinks", tag = "admin",
    responses(
        (status = 200, description = "Progress of each sink", body = SinkList),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "The key lacks the admin scope", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<SinkList>, ApiError> {
    caller.require(Scope::Admin)?;
    let store = &state.hub.store;
    let last_event_seq = store.last_event_seq().await?;
    let mut sinks = Vec::new();
    for name in state.sinks.iter() {
        let state = store.delivery_state(Deliveries::Sinks, name).await?;
        sinks.push(SinkProgress { lag: last_event_seq - state.delivered_seq, state });
    }
    Ok(Json(SinkList { sinks, last_event_seq }))
}
