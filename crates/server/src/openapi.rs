//! The OpenAPI document, generated from the handlers' annotations and the
//! types they answer with (`GET /openapi.json`).

use crate::routes::{attention, feed, meta, orders, platforms, shop_check, shops, sinks, writeback};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// Every error: one shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong and what to do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthorized`, `forbidden`, `not_found`, `method_not_allowed`,
    /// `conflict`, `payload_too_large`, `unprocessable`, `platform_error`, `internal`,
    /// `store_unavailable` (503: the store's disk is full or its database unreachable; try again later).
    pub code: String,
    /// A sentence for a person: what, where, and what to do.
    pub message: String,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "orderhub API",
        description = "Every order of every shop on every platform, in one canonical shape. Every /api route \
                       needs a key: `Authorization: Bearer KEY` (`orderhub keys create --scope read|write|admin \
                       [--pii]`). Keys without the pii scope see buyer names, phones, emails and street \
                       addresses masked and the raw platform payload withheld."
    ),
    paths(
        orders::list,
        orders::show,
        orders::events,
        writeback::ship,
        writeback::status,
        writeback::address,
        writeback::of_order,
        writeback::job,
        feed::events,
        platforms::list,
        shops::list,
        shops::sync,
        shops::fetch,
        shop_check::check,
        shops::runs,
        meta::keys,
        meta::webhooks,
        sinks::list,
        meta::stats,
        attention::list,
        attention::show,
        attention::dismiss,
        meta::healthz,
        meta::metrics,
        meta::openapi_json,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerKey),
    tags(
        (name = "orders", description = "Orders, their timelines and the change feed"),
        (name = "write-back", description = "Shipments and order changes sent to platforms through the outbox"),
        (name = "shops", description = "Shops, their health, syncs and lookups"),
        (name = "attention", description = "What needs a person: paused and stalled shops, refused write-backs, orders that could not be read"),
        (name = "admin", description = "Keys, webhooks, health and metrics"),
    )
)]
pub struct ApiDoc;

/// The `api_key` security scheme: a bearer token.
struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An orderhub API key: `orderhub keys create`"))
                    .build(),
            ),
        );
    }
}

/// The document as JSON.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
