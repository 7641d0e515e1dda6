//! `GET /api/v1/platforms`: the platforms this hub knows, from the
//! connectors' registry, so that clients (the dashboard) list none themselves.

use super::shops::ShopCapabilities;
use axum::Json;
use orderhub_model::Platform;
use serde::Serialize;
use utoipa::ToSchema;

/// A platform this hub knows.
#[derive(Serialize, ToSchema)]
pub struct PlatformInfo {
    /// Its key, as in configuration and hub ids.
    key: Platform,
    /// Its name as people know it.
    label: &'static str,
    /// Its colour in charts (CSS).
    colour: &'static str,
    /// What its orders are to the seller: `sale` (a sales channel) or
    /// `purchase` (a supplier the seller buys from).
    role: orderhub_model::Role,
    /// What it can do with a shop's default settings.
    capabilities: ShopCapabilities,
}

/// Every platform this hub knows.
#[derive(Serialize, ToSchema)]
pub struct PlatformList {
    platforms: Vec<PlatformInfo>,
}

/// `GET /api/v1/platforms`.
#[utoipa::path(
    get, path = "/api/v1/platforms", operation_id = "list_platforms", tag = "shops",
    responses(
        (status = 200, description = "Every platform this hub knows, in the documentation's order", body = PlatformList),
        (status = 401, description = "No key, or an unknown or revoked one", body = crate::openapi::ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn list() -> Json<PlatformList> {
    let platforms = orderhub_connectors::registry::platforms()
        .into_iter()
        .map(|entry| PlatformInfo {
            key: entry.platform,
            label: entry.label,
            colour: entry.colour,
            role: entry.role,
            capabilities: ShopCapabilities::of(&entry.capabilities),
        })
        .collect();
    Json(PlatformList { platforms })
}
