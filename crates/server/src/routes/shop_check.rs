//! `POST /api/v1/shops/{key}/check`: the shop checked with one call to its
//! platform (`orderhub doctor`'s shop checks, for the dashboard's Check
//! button): it answers, takes the token, and its clock agrees with ours.

use crate::auth::{Caller, Scope};
use crate::openapi::ErrorBody;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::{Extension, Json};
use orderhub_sync::{Check, check_shop};
use serde::Serialize;
use utoipa::ToSchema;

/// A shop's checks.
#[derive(Serialize, ToSchema)]
pub struct ShopChecked {
    shop: String,
    /// Every check passed.
    ok: bool,
    checks: Vec<Check>,
}

/// `POST /api/v1/shops/{key}/check`: one call to the platform, its outcome
/// as checks (`platform`, `token`, `clock`), each with what to do when it
/// fails. A failed check is a 200 answer that says so: the check ran.
#[utoipa::path(
    post, path = "/api/v1/shops/{key}/check", operation_id = "check_shop", tag = "shops",
    params(("key" = String, Path, description = "The shop key")),
    responses(
        (status = 200, description = "The checks ran", body = ShopChecked),
        (status = 401, description = "No key, or an unknown or revoked one", body = ErrorBody),
        (status = 403, description = "The key lacks the write scope", body = ErrorBody),
        (status = 404, description = "No such shop", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn check(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
) -> Result<Json<ShopChecked>, ApiError> {
    // A call to the platform spends its quota: the scope that may sync.
    caller.require(Scope::Write)?;
    let Some(shop) = state.hub.shop(&key) else {
        return Err(super::shops::no_shop(&key, &state));
    };
    let checks = check_shop(shop.connector()).await;
    Ok(Json(ShopChecked { shop: key, ok: checks.iter().all(|c| c.ok), checks }))
}
