//! Write-back through the outbox: `POST /api/v1/orders/{id}/shipments`,
//! `/status` and `/address`; `GET /api/v1/orders/{id}/writebacks` and
//! `GET /api/v1/outbox/{job}`.
//!
//! A request is stored first and answered 202 with its job; the hub's worker
//! sends it to the platform with retries. With an `Idempotency-Key` header a
//! repeat answers 200 with the job stored the first time and stores nothing.

use super::json_body;
use crate::auth::{Caller, Scope};
use crate::openapi::ErrorBody;
use crate::routes::orders::not_found;
use crate::{ApiError, AppState};
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use orderhub_connectors::AddressUpdate;
use orderhub_store::OutboxJob;
use orderhub_store::{Enqueued, NewOutboxJob, OutboxKind};
use orderhub_sync::{ShipRequest, StatusRequest};
use serde::Serialize;
use serde_json::Value;
use utoipa::{IntoResponses, ToSchema};

/// A write-back job.
#[derive(Serialize, ToSchema)]
pub struct JobAnswer {
    job: OutboxJob,
}

/// An order's write-back jobs, oldest first.
#[derive(Serialize, ToSchema)]
pub struct JobList {
    jobs: Vec<OutboxJob>,
}

/// What a write-back request may be answered, the same for each kind.
#[allow(dead_code)] // Only its documentation is used: the handlers answer `JobAnswer` or `ApiError`.
#[derive(IntoResponses)]
enum WriteBackAnswers {
    #[response(status = 202, description = "Stored; the worker sends it to the platform")]
    Stored(JobAnswer),
    #[response(
        status = 200,
        description = "A repeat of a request with the same Idempotency-Key: the job stored the first time"
    )]
    Repeated(JobAnswer),
    #[response(status = 400, description = "A bad body or Idempotency-Key")]
    BadRequest(ErrorBody),
    #[response(status = 401, description = "No key, or an unknown or revoked one")]
    Unauthorized(ErrorBody),
    #[response(status = 403, description = "The key lacks the write scope")]
    Forbidden(ErrorBody),
    #[response(status = 404, description = "No such order")]
    NotFound(ErrorBody),
    #[response(
        status = 409,
        description = "The order already has a shipment, or the Idempotency-Key was used for another request"
    )]
    Conflict(ErrorBody),
    #[response(status = 413, description = "The body is too large")]
    TooLarge(ErrorBody),
    #[response(status = 422, description = "The platform cannot do this, or the shop is not configured here")]
    Unprocessable(ErrorBody),
}

/// A job as `caller` may see it (`auth::mask_job`).
fn visible(mut job: OutboxJob, caller: &Caller) -> OutboxJob {
    if !caller.pii {
        crate::auth::mask_job(&mut job);
    }
    job
}

/// The answer to an `Idempotency-Key` sent again with another request:
/// both requests described (masked as the caller sees jobs), so a client
/// can tell its retry from a key it reused by mistake.
fn key_reused(new: &NewOutboxJob, stored: OutboxJob, caller: &Caller) -> ApiError {
    let mut this = OutboxJob { request: new.request.clone(), ..stored.clone() };
    if !caller.pii {
        crate::auth::mask_job(&mut this);
    }
    ApiError::Conflict(format!(
        "Idempotency-Key {:?} was used for another request: job {} is {} of {} with {}; this request is {} of {} \
         with {}. A retry must repeat its request exactly; a new request needs a new key",
        stored.idempotency_key.as_deref().unwrap_or_default(),
        stored.id,
        stored.kind.as_str(),
        stored.order_id,
        stored.request,
        new.kind.as_str(),
        new.order_id,
        this.request
    ))
}

/// The longest idempotency key taken.
const MAX_KEY_LEN: usize = 200;

async fn enqueue(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    id: &str,
    kind: OutboxKind,
    request: Value,
) -> Result<(StatusCode, Json<JobAnswer>), ApiError> {
    caller.require(Scope::Write)?;
    let idempotency_key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => match value.to_str() {
            Ok(key) if !key.trim().is_empty() && key.len() <= MAX_KEY_LEN => Some(key.trim().to_string()),
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters"
                )));
            }
        },
    };
    let order = state.hub.store.order(id).await?.ok_or_else(|| not_found(id))?;
    let shop = state.hub.shop(&order.shop).ok_or_else(|| {
        ApiError::Unprocessable(format!(
            "shop {:?} is not configured in this server, so nothing can be sent to its platform",
            order.shop
        ))
    })?;
    let capabilities = shop.connector().capabilities();
    let refusal = match kind {
        OutboxKind::Ship if !capabilities.ship => Some("does not take shipments (tracking numbers) through its API"),
        OutboxKind::Status if capabilities.status_codes.is_empty() => {
            Some("does not take status changes through its API")
        }
        OutboxKind::Address if !capabilities.update_address => Some("does not take address changes through its API"),
        _ => None,
    };
    if let Some(reason) = refusal {
        return Err(ApiError::Unprocessable(format!("{} {reason}; see GET /api/v1/shops", order.platform)));
    }
    if kind == OutboxKind::Status {
        let code = request["platform_status"].as_str().unwrap_or_default();
        if !capabilities.status_codes.iter().any(|(c, _)| *c == code) {
            let codes: Vec<String> = capabilities.status_codes.iter().map(|(c, m)| format!("{c} ({m})")).collect();
            return Err(ApiError::Unprocessable(format!(
                "platform_status {code:?} is not one of {}'s: {}",
                order.platform,
                codes.join(", ")
            )));
        }
    }
    let job = NewOutboxJob { kind, order_id: order.id.clone(), shop: order.shop.clone(), request, idempotency_key };
    match state.hub.store.enqueue(&job).await? {
        Enqueued::New(stored) => {
            state.hub.wake_outbox();
            Ok((StatusCode::ACCEPTED, Json(JobAnswer { job: visible(stored, caller) })))
        }
        Enqueued::Repeat(stored)
            if stored.order_id == job.order_id && stored.kind == kind && stored.request == job.request =>
        {
            Ok((StatusCode::OK, Json(JobAnswer { job: visible(stored, caller) })))
        }
        Enqueued::Repeat(stored) => Err(key_reused(&job, visible(stored, caller), caller)),
        Enqueued::AlreadyShipped(stored) => Err(ApiError::Conflict(format!(
            "order {} already has a shipment (job {}, {}, tracking {}): an order is never shipped twice; \
             see GET /api/v1/outbox/{}",
            stored.order_id,
            stored.id,
            stored.state,
            stored.request["tracking_number"].as_str().unwrap_or("?"),
            stored.id
        ))),
    }
}

/// `POST /api/v1/orders/{id}/shipments` with `{"tracking_number", "carrier_code"}`.
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/shipments", operation_id = "ship_order", tag = "write-back",
    params(("id" = String, Path, description = "The hub id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a repeat of this request a no-op")),
    request_body = ShipRequest,
    responses(WriteBackAnswers),
    security(("api_key" = []))
)]
pub async fn ship(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<JobAnswer>), ApiError> {
    let request: ShipRequest = json_body(body?)?;
    for (name, value) in [("tracking_number", &request.tracking_number), ("carrier_code", &request.carrier_code)] {
        if value.trim().is_empty() || value.len() > 100 {
            return Err(ApiError::BadRequest(format!("{name} must be 1 to 100 characters")));
        }
    }
    let request = serde_json::to_value(request).expect("requests serialise");
    enqueue(&state, &caller, &headers, &id, OutboxKind::Ship, request).await
}

/// `POST /api/v1/orders/{id}/status` with `{"platform_status": CODE}` (Shoptima).
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/status", operation_id = "set_order_status", tag = "write-back",
    params(("id" = String, Path, description = "The hub id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a repeat of this request a no-op")),
    request_body = StatusRequest,
    responses(WriteBackAnswers),
    security(("api_key" = []))
)]
pub async fn status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<JobAnswer>), ApiError> {
    let request: StatusRequest = json_body(body?)?;
    let request = serde_json::to_value(request).expect("requests serialise");
    enqueue(&state, &caller, &headers, &id, OutboxKind::Status, request).await
}

/// `POST /api/v1/orders/{id}/address` with the fields to change (Shoptima).
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/address", operation_id = "set_order_address", tag = "write-back",
    params(("id" = String, Path, description = "The hub id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a repeat of this request a no-op")),
    request_body = AddressUpdate,
    responses(WriteBackAnswers),
    security(("api_key" = []))
)]
pub async fn address(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<JobAnswer>), ApiError> {
    let request: AddressUpdate = json_body(body?)?;
    let request = serde_json::to_value(request).expect("requests serialise");
    if request.as_object().is_none_or(|fields| fields.values().all(Value::is_null)) {
        return Err(ApiError::BadRequest(
            "give at least one of country_code, province, city, district, address1, address2, postal_code, phone, email"
                .into(),
        ));
    }
    enqueue(&state, &caller, &headers, &id, OutboxKind::Address, request).await
}

/// `GET /api/v1/orders/{id}/writebacks`: the order's write-back jobs.
#[utoipa::path(
    get, path = "/api/v1/orders/{id}/writebacks", operation_id = "list_order_writebacks", tag = "write-back",
    params(("id" = String, Path, description = "The hub id")),
    responses(
        (status = 200, description = "The order's jobs, oldest first", body = JobList),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn of_order(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<JobList>, ApiError> {
    if state.hub.store.order(&id).await?.is_none() {
        return Err(not_found(&id));
    }
    let jobs = state.hub.store.jobs_of_order(&id).await?.into_iter().map(|job| visible(job, &caller)).collect();
    Ok(Json(JobList { jobs }))
}

/// `GET /api/v1/outbox/{job}`: one write-back job and the platform's answer.
#[utoipa::path(
    get, path = "/api/v1/outbox/{job}", operation_id = "get_outbox_job", tag = "write-back",
    params(("job" = String, Path, description = "The job id (a number)")),
    responses(
        (status = 200, description = "The job", body = JobAnswer),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn job(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(job): Path<String>,
) -> Result<Json<JobAnswer>, ApiError> {
    let missing = || ApiError::NotFound(format!("no write-back job {job:?}: job ids are numbers, as `job.id`"));
    let id = job.parse::<i64>().map_err(|_| missing())?;
    let job = state.hub.store.job(id).await?.ok_or_else(missing)?;
    Ok(Json(JobAnswer { job: visible(job, &caller) }))
}
