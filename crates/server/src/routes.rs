//! The handlers.

use crate::ApiError;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use orderhub_model::{OrderStatus, Platform};
use orderhub_store::{OrderFilter, Store};
use serde::Deserialize;
use serde_json::{Value, json};

/// The API's routes over `store`.
pub fn router(store: Store) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/api/v1/orders", get(list_orders))
        .route("/api/v1/orders/{id}", get(get_order))
        .route("/api/v1/orders/{id}/events", get(order_events))
        .fallback(|| async { ApiError::NotFound("no such route: see GET /api/v1/orders".into()) })
        .with_state(store)
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

#[derive(Debug, Deserialize)]
struct ListParams {
    platform: Option<String>,
    shop: Option<String>,
    status: Option<String>,
    limit: Option<String>,
}

impl ListParams {
    fn filter(self) -> Result<OrderFilter, ApiError> {
        if let Some(platform) = &self.platform {
            platform.parse::<Platform>().map_err(|e| ApiError::BadRequest(format!("platform: {e}")))?;
        }
        if let Some(status) = &self.status
            && OrderStatus::parse(status).is_none()
        {
            return Err(ApiError::BadRequest(format!(
                "status {status:?} is not one of pending_payment, awaiting_shipment, shipped, completed, cancelled"
            )));
        }
        let limit = match self.limit.as_deref() {
            None => 50,
            Some(text) => match text.parse::<i64>() {
                Ok(n @ 1..=500) => n,
                _ => return Err(ApiError::BadRequest(format!("limit {text:?} must be a whole number from 1 to 500"))),
            },
        };
        Ok(OrderFilter {
            platform: self.platform,
            shop: self.shop,
            status: self.status,
            order_number: None,
            limit: Some(limit),
        })
    }
}

async fn list_orders(State(store): State<Store>, Query(params): Query<ListParams>) -> Result<Json<Value>, ApiError> {
    let orders = store.orders(&params.filter()?).await?;
    Ok(Json(json!({"orders": orders})))
}

async fn get_order(State(store): State<Store>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    match store.order(&id).await? {
        Some(order) => Ok(Json(serde_json::to_value(order).expect("orders serialise"))),
        None => Err(ApiError::NotFound(format!("no order {id:?}: ids look like shoptima:belment:asda-20200521-004"))),
    }
}

async fn order_events(State(store): State<Store>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    if store.order(&id).await?.is_none() {
        return Err(ApiError::NotFound(format!("no order {id:?}")));
    }
    Ok(Json(json!({"events": store.events(&id).await?})))
}

/// HTML-escapes text for element content and attribute values.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

async fn home(State(store): State<Store>) -> Result<Html<String>, ApiError> {
    let filter = OrderFilter { limit: Some(100), ..OrderFilter::default() };
    let orders = store.orders(&filter).await?;
    let total = store.order_count().await?;
    let mut rows = String::new();
    for o in &orders {
        let api = format!("/api/v1/orders/{}", o.id);
        rows.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td class=\"n\">{} {}</td><td>{}</td></tr>\n",
            escape(&o.shop),
            escape(&api),
            escape(&o.order_number),
            escape(o.status.as_str()),
            escape(o.payment_status.as_str()),
            escape(&o.total.to_string()),
            escape(o.currency.as_deref().unwrap_or("")),
            o.created_at.map(|t| t.to_string()).unwrap_or_default(),
        ));
    }
    Ok(Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>orderhub</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:2rem}}table{{border-collapse:collapse}}\
         td,th{{padding:.25rem .75rem;border-bottom:1px solid #ddd;text-align:left}}.n{{text-align:right}}</style></head>\
         <body><h1>orderhub</h1><p>{total} orders stored. The newest {} are below; \
         the API is at <a href=\"/api/v1/orders\">/api/v1/orders</a>.</p>\
         <table><tr><th>shop</th><th>order</th><th>status</th><th>payment</th><th>total</th><th>created (UTC)</th></tr>\n{rows}</table>\
         </body></html>",
        orders.len()
    )))
}

#[cfg(test)]
mod tests;
