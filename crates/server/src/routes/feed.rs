//! `GET /api/v1/events`: the change feed, resumable and long-polled.

use super::{Params, events_json};
use crate::auth::Caller;
use crate::openapi::ErrorBody;
use crate::{ApiError, AppState};
use axum::Extension;
use axum::Json;
use axum::extract::State;
use orderhub_store::FeedEvent;
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

/// The longest a request may wait for an event.
pub const MAX_WAIT_SECONDS: u64 = 30;

/// The query string of `GET /api/v1/events`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct FeedParams {
    /// Events after this sequence number (0: from the start).
    #[param(minimum = 0)]
    after: Option<i64>,
    /// At most this many events, 1 to 1000 (default 100).
    #[param(minimum = 0, maximum = 1000)]
    limit: Option<i64>,
    /// With nothing new, wait up to this many seconds (0 to 30) for the first new event.
    #[param(minimum = 0, maximum = 30)]
    wait: Option<i64>,
}

/// A page of the change feed.
#[derive(Serialize, ToSchema)]
pub struct FeedPage {
    /// Oldest first.
    #[schema(value_type = Vec<FeedEvent>)]
    events: Value,
    /// Pass as `after` to resume: the last event's sequence number, or `after` when there was none.
    next_after: i64,
}

/// Events after `after` (a sequence number, default 0), oldest first, at most
/// `limit` (default 100, up to 1000). With `wait=N` and nothing new, the answer
/// waits up to N seconds for the first new event: a change is seen within a
/// moment of its commit (at once in this process; within 250 ms from another
/// process writing the same database). Resume with `after=next_after`.
#[utoipa::path(
    get, path = "/api/v1/events", operation_id = "list_events", tag = "orders", params(FeedParams),
    responses(
        (status = 200, description = "Events in commit order", body = FeedPage),
        (status = 400, description = "A bad `after`, `limit` or `wait`", body = ErrorBody),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn events(
    State(state): State<AppState>,
    axum::Extension(caller): Extension<Caller>,
    params: Params,
) -> Result<Json<FeedPage>, ApiError> {
    params.only(&["after", "limit", "wait"])?;
    let number = |name: &str, default: i64, max: i64| -> Result<i64, ApiError> {
        match params.get(name) {
            None => Ok(default),
            Some(text) => match text.parse::<i64>() {
                Ok(n) if (0..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::BadRequest(format!("{name} {text:?} must be a whole number from 0 to {max}"))),
            },
        }
    };
    let after = number("after", 0, i64::MAX)?;
    let limit = number("limit", 100, 1000)?;
    if limit == 0 {
        return Err(ApiError::BadRequest("limit \"0\" must be a whole number from 1 to 1000".into()));
    }
    let wait = Duration::from_secs(number("wait", 0, MAX_WAIT_SECONDS as i64)? as u64);
    let store = &state.hub.store;
    let deadline = tokio::time::Instant::now() + wait;
    let events = loop {
        // Registered before the read, so a commit between the read and the
        // wait still wakes us.
        let changed = store.changed();
        let events = store.events_after(after, limit).await?;
        if !events.is_empty() || tokio::time::Instant::now() >= deadline {
            break events;
        }
        tokio::select! {
            _ = changed => {}
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            _ = tokio::time::sleep_until(deadline) => {}
        }
    };
    let next_after = events.last().map_or(after, |e| e.seq);
    let events = events_json(&events, &caller);
    Ok(Json(FeedPage { events, next_after }))
}
