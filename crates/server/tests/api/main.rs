//! The API over real HTTP: the server on 127.0.0.1:0 over a fresh SQLite
//! store, with a Shoptima simulator behind the hub where a test needs a
//! platform. One test binary, one module per group of routes.

mod attention;
mod auth;
mod feed;
mod masking;
mod openapi;
mod orders;
mod shops;
mod webhooks;
mod writeback;

use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::{Secret, ShopSettings};
use orderhub_model::{
    Address, Customer, Decimal, FulfillmentStatus, Order, OrderStatus, PaymentStatus, PlatformStatus, RefundStatus,
    Shipment, hub_id,
};
use orderhub_sandbox::{Running, ShoptimaConfig, ShoptimaSim};
use orderhub_server::AppState;
use orderhub_server::auth::{Scope, create_key};
use orderhub_store::Store;
use orderhub_sync::{Hub, RetryPolicy, ShopSync};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// A running API.
pub struct Api {
    pub base: String,
    pub store: Store,
    pub hub: Arc<Hub>,
    pub database_url: String,
    server: tokio::task::JoinHandle<()>,
    client: reqwest::Client,
}

impl Drop for Api {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A Shoptima simulator on port 0 with `orders` orders.
pub struct Platform1 {
    pub sim: ShoptimaSim,
    pub running: Running,
    pub token: String,
}

pub async fn shoptima(orders: u64) -> Platform1 {
    let config = ShoptimaConfig { orders, seed: 5, ..ShoptimaConfig::default() };
    let sim = ShoptimaSim::new(&config);
    let running = orderhub_sandbox::serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "/api/v1").await.unwrap();
    Platform1 { sim, running, token: config.token }
}

/// The shop `belment` on that simulator.
pub fn belment(platform: &Platform1) -> ShopSync {
    shop_on(platform, "belment", &platform.token)
}

/// A shop `key` on that simulator that signs in with `token`.
pub fn shop_on(platform: &Platform1, key: &str, token: &str) -> ShopSync {
    let connector = orderhub_connectors::connect(ShopSettings {
        shop: key.into(),
        platform: orderhub_connectors::shoptima::PLATFORM,
        base_url: platform.running.base_url.clone(),
        token: Secret::new(token.to_string()),
        auth_scheme: None,
        timezone: jiff::tz::TimeZone::get("Asia/Shanghai").unwrap(),
        remote_shop_id: None,
        sync_from: None,
        page_size: None,
        timeout: Duration::from_secs(5),
        rate_limit: None,
    })
    .unwrap();
    ShopSync {
        connector: connector.into(),
        sync_from: Timestamp::now().checked_sub(SignedDuration::from_hours(24 * 400)).unwrap(),
        refresh_window: SignedDuration::from_hours(24 * 30),
        overlap: SignedDuration::from_mins(10),
        retry: RetryPolicy {
            max_retries: 2,
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        },
        max_in_flight: orderhub_sync::DEFAULT_IN_FLIGHT,
        ship_deadline: None,
    }
}

impl Api {
    /// A server over a fresh database in `dir`, with these shops.
    pub async fn start(dir: &tempfile::TempDir, shops: Vec<ShopSync>) -> Api {
        let database_url = format!("sqlite://{}", dir.path().join("api.db").display());
        Api::start_on(&database_url, shops).await
    }

    /// A server over the database at `database_url` (kept between restarts).
    pub async fn start_on(database_url: &str, shops: Vec<ShopSync>) -> Api {
        Api::start_with_webhooks(database_url, shops, vec![]).await
    }

    /// A server whose configuration names these webhooks.
    pub async fn start_with_webhooks(database_url: &str, shops: Vec<ShopSync>, webhooks: Vec<String>) -> Api {
        let hourly = shops.into_iter().map(|s| (s, Duration::from_secs(3600))).collect();
        Api::start_scheduled(database_url, hourly, webhooks).await
    }

    /// A server whose shops each have their `sync_every` (the scheduler is
    /// not started: the tests sync when they mean to).
    pub async fn start_scheduled(database_url: &str, shops: Vec<(ShopSync, Duration)>, webhooks: Vec<String>) -> Api {
        orderhub_connectors::http::install_crypto_provider();
        let store = Store::open(database_url).await.unwrap();
        let hub = Hub::new(store.clone(), shops);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = AppState::new(hub.clone(), webhooks);
        let server = tokio::spawn(async move {
            orderhub_server::serve(listener, state, std::future::pending()).await.unwrap();
        });
        Api { base, store, hub, database_url: database_url.into(), server, client: reqwest::Client::new() }
    }

    /// A new key.
    pub async fn key(&self, scope: Scope, pii: bool) -> String {
        create_key(&self.store, "test", scope, pii).await.unwrap().0
    }

    pub async fn get(&self, key: &str, path: &str) -> (u16, Value) {
        let answer = self.client.get(format!("{}{path}", self.base)).bearer_auth(key).send().await.unwrap();
        read(answer).await
    }

    pub async fn post(&self, key: &str, path: &str, body: &Value, idempotency_key: Option<&str>) -> (u16, Value) {
        let mut request = self.client.post(format!("{}{path}", self.base)).bearer_auth(key).json(body);
        if let Some(k) = idempotency_key {
            request = request.header("Idempotency-Key", k);
        }
        read(request.send().await.unwrap()).await
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

/// Status and JSON body; a body that is not JSON fails the test (every answer
/// of the API is JSON, errors included).
pub async fn read(answer: reqwest::Response) -> (u16, Value) {
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("HTTP {status}: body is not JSON ({e}): {text}"));
    (status, body)
}

/// Asserts the one error shape with this status and code.
pub fn assert_error(answer: &(u16, Value), status: u16, code: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
    assert!(answer.1["error"]["message"].as_str().is_some_and(|m| m.len() > 10), "{}", answer.1);
}

/// A canonical order of shop `belment` made up for a test.
pub fn order(number: &str, created: i64, updated: i64) -> Order {
    Order {
        id: hub_id(orderhub_connectors::shoptima::PLATFORM, "belment", number),
        platform: orderhub_connectors::shoptima::PLATFORM,
        shop: "belment".into(),
        order_number: number.into(),
        platform_order_id: Some(format!("9{created}")),
        status: OrderStatus::AwaitingShipment,
        payment_status: PaymentStatus::Paid,
        fulfillment_status: FulfillmentStatus::Unfulfilled,
        refund_status: RefundStatus::None,
        platform_status: PlatformStatus { code: "1".into(), label: "成功支付".into() },
        currency: Some("USD".into()),
        subtotal: "16.55".parse().unwrap(),
        shipping: Decimal::ZERO,
        discount: Decimal::ZERO,
        total: "16.55".parse().unwrap(),
        paid: "16.55".parse().unwrap(),
        created_at: Some(Timestamp::from_second(created).unwrap()),
        updated_at: Some(Timestamp::from_second(updated).unwrap()),
        paid_at: None,
        shipped_at: None,
        cancelled_at: None,
        completed_at: None,
        ship_by: None,
        customer: Customer {
            id: Some("c1".into()),
            name: Some("张三".into()),
            email: Some("zhang.san@example.com".into()),
            phone: Some("13812345678".into()),
        },
        shipping_address: Address {
            name: Some("张三".into()),
            phone: Some("13812345678".into()),
            country_code: Some("CN".into()),
            province: Some("广东省".into()),
            city: Some("深圳市".into()),
            address1: Some("南山区科技园 1 号".into()),
            ..Address::default()
        },
        items: vec![],
        shipments: vec![Shipment {
            tracking_number: format!("SF{number}"),
            carrier_code: Some("SF".into()),
            carrier_name: None,
            shipped_at: None,
        }],
        role: orderhub_model::Role::Sale,
        links: vec![],
        raw: json!({"order_num": number, "phone": "13812345678"}).into(),
    }
}
