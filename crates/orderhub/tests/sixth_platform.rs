//! A sixth platform, compiled only in this test: its simulator, its
//! connector and one registration of each. Beside the five built in it goes
//! through the sandbox, a sync of every shop, the API (its orders, the
//! platform list, the filters) and `orderhub orders export`, with no other
//! file touched: the registries are what lists platforms.
//!
//! Tinyshop's "document": `GET /orders?from=S&to=S&page=N` with the header
//! `X-Tiny-Token`, unix-second bounds on the update time, both inclusive;
//! pages of 50 by update time then number; the answer
//! `{"total": N, "orders": [{"no", "state", "total_cents", "created",
//! "updated", "buyer"}]}`; `state` is `paid`, `shipped` or `cancelled`.

use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::registry::PlatformEntry;
use orderhub_connectors::{
    BadOrder, Capabilities, Connector, ConnectorError, ListBy, ListQuery, OrderPage, Secret, ShopSettings,
};
use orderhub_model::{
    Address, Customer, Decimal, FulfillmentStatus, Order, OrderStatus, PaymentStatus, Platform, PlatformStatus,
    RawPayload, RefundStatus, hub_id,
};
use orderhub_sandbox::faults::{Faults, SimSpec};
use orderhub_sandbox::{SimSettings, Simulator, SimulatorEntry, Started};
use orderhub_server::auth::{Scope, create_key};
use orderhub_store::Store;
use orderhub_sync::{Hub, RetryPolicy, ShopSync};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The simulator: written from the "document" above alone.
mod simulator {
    use super::*;
    use axum::extract::{Query, State};
    use axum::http::HeaderMap;

    pub const PAGE: usize = 50;

    #[derive(Debug, Clone)]
    pub struct TinyOrder {
        pub no: String,
        pub state: &'static str,
        pub total_cents: i64,
        pub created: i64,
        pub updated: i64,
        pub buyer: String,
    }

    impl TinyOrder {
        pub fn json(&self) -> Value {
            json!({"no": self.no, "state": self.state, "total_cents": self.total_cents,
                   "created": self.created, "updated": self.updated, "buyer": self.buyer})
        }
    }

    #[derive(Clone)]
    pub struct TinySim {
        pub orders: Arc<Mutex<Vec<TinyOrder>>>,
        faults: Faults,
    }

    pub static SPEC: SimSpec = SimSpec {
        name: "tinyshop",
        endpoints: &[("list", "GET /orders")],
        endpoint_of: |_, path| (path == "/orders").then_some("list"),
        server_error_body: None,
        business_error: None,
    };

    pub const TOKEN: &str = "tiny-token";

    impl TinySim {
        pub fn new(settings: &SimSettings) -> TinySim {
            let orders = (0..settings.orders as i64)
                .map(|i| {
                    let created = settings.anchor - 86_400 + i * 60;
                    TinyOrder {
                        no: format!("T-{:05}", i + settings.seed as i64),
                        state: "paid",
                        total_cents: 1_000 + i * 7,
                        created,
                        updated: created + 5,
                        buyer: format!("买家 {i}"),
                    }
                })
                .collect();
            TinySim { orders: Arc::new(Mutex::new(orders)), faults: Faults::new(&SPEC, settings.seed) }
        }
    }

    #[derive(serde::Deserialize)]
    struct ListParams {
        from: i64,
        to: i64,
        page: usize,
    }

    async fn list(
        State(sim): State<TinySim>,
        headers: HeaderMap,
        Query(params): Query<ListParams>,
    ) -> axum::Json<Value> {
        if headers.get("x-tiny-token").and_then(|v| v.to_str().ok()) != Some(TOKEN) {
            return axum::Json(json!({"error": "bad token"}));
        }
        let mut matching: Vec<TinyOrder> = sim
            .orders
            .lock()
            .unwrap()
            .iter()
            .filter(|o| o.updated >= params.from && o.updated <= params.to)
            .cloned()
            .collect();
        matching.sort_by(|a, b| (a.updated, &a.no).cmp(&(b.updated, &b.no)));
        let page: Vec<Value> =
            matching.iter().skip(params.page.saturating_sub(1) * PAGE).take(PAGE).map(TinyOrder::json).collect();
        axum::Json(json!({"total": matching.len(), "orders": page}))
    }

    impl Simulator for TinySim {
        fn router(&self) -> axum::Router {
            let router = axum::Router::new().route("/orders", axum::routing::get(list)).with_state(self.clone());
            orderhub_sandbox::faults::with_faults(router, self.faults.clone())
        }

        fn faults(&self) -> &Faults {
            &self.faults
        }

        fn churn(&self, count: usize, round: u64) -> Vec<String> {
            let now = orderhub_sandbox::unix_now();
            let mut orders = self.orders.lock().unwrap();
            let mut changed = Vec::new();
            for order in orders.iter_mut().filter(|o| o.state == "paid").skip(round as usize % 3).take(count) {
                order.state = "shipped";
                order.updated = now;
                changed.push(order.no.clone());
            }
            changed
        }

        fn order_count(&self) -> usize {
            self.orders.lock().unwrap().len()
        }
    }

    /// The simulator the sandbox started, for the test to read its orders.
    pub static STARTED: Mutex<Option<TinySim>> = Mutex::new(None);

    pub static SIMULATOR: SimulatorEntry = SimulatorEntry {
        spec: &SPEC,
        shop_key: "tiny-one",
        base_path: "",
        start: |settings| {
            let sim = TinySim::new(settings);
            *STARTED.lock().unwrap() = Some(sim.clone());
            Started { simulator: Arc::new(sim), token: TOKEN.to_string(), remote_shop_id: None, span_seconds: 86_400 }
        },
        paging: Some(orderhub_sandbox::Paging {
            request: |of| orderhub_sandbox::PageRequest {
                post: false,
                path: format!("/orders?from=0&to={}&page={}", of.until, of.page),
                headers: vec![("x-tiny-token", of.token.to_string())],
                body: None,
            },
            count: |body, served| {
                #[derive(serde::Deserialize)]
                struct Page {
                    total: u64,
                    orders: Vec<serde::de::IgnoredAny>,
                }
                let page: Page = serde_json::from_slice(body).map_err(|e| e.to_string())?;
                let more = served + (page.orders.len() as u64) < page.total;
                Ok(orderhub_sandbox::Listed { orders: page.orders.len(), more })
            },
        }),
    };
}

/// The connector: written from the same "document", sharing nothing with
/// the simulator.
mod connector {
    use super::*;
    use orderhub_connectors::http::HttpClient;

    pub const PLATFORM: Platform = Platform::new("tinyshop");

    const CAPABILITIES: Capabilities = Capabilities::read_only(Some(ListBy::UpdatedTime), &["all"], 50, false);

    pub static ENTRY: PlatformEntry = PlatformEntry {
        platform: PLATFORM,
        label: "Tinyshop",
        colour: "#0e9384",
        role: orderhub_model::Role::Sale,
        capabilities: CAPABILITIES,
        remote_shop_id: None,
        connect: |settings| {
            Ok(Box::new(TinyConnector { http: HttpClient::new(PLATFORM, settings.timeout, None)?, settings }))
        },
    };

    struct TinyConnector {
        settings: ShopSettings,
        http: HttpClient,
    }

    #[derive(serde::Deserialize)]
    struct Answer {
        total: u64,
        orders: Vec<Box<serde_json::value::RawValue>>,
    }

    #[derive(serde::Deserialize)]
    struct Wire {
        no: String,
        state: String,
        total_cents: i64,
        created: i64,
        updated: i64,
        buyer: String,
    }

    fn normalize(shop: &str, raw: &serde_json::value::RawValue) -> Result<Order, String> {
        let wire: Wire = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
        let (status, payment, fulfillment) = match wire.state.as_str() {
            "paid" => (OrderStatus::AwaitingShipment, PaymentStatus::Paid, FulfillmentStatus::Unfulfilled),
            "shipped" => (OrderStatus::Shipped, PaymentStatus::Paid, FulfillmentStatus::Fulfilled),
            "cancelled" => (OrderStatus::Cancelled, PaymentStatus::Unpaid, FulfillmentStatus::Unfulfilled),
            other => return Err(format!("unknown state {other:?}")),
        };
        let total = Decimal::new(wire.total_cents, 2);
        let time = |s: i64| Timestamp::from_second(s).map_err(|e| e.to_string());
        Ok(Order {
            id: hub_id(PLATFORM, shop, &wire.no),
            platform: PLATFORM,
            shop: shop.to_string(),
            order_number: wire.no,
            platform_order_id: None,
            status,
            payment_status: payment,
            fulfillment_status: fulfillment,
            refund_status: RefundStatus::None,
            platform_status: PlatformStatus { code: wire.state.clone(), label: wire.state },
            currency: Some("CNY".into()),
            subtotal: total,
            shipping: Decimal::ZERO,
            discount: Decimal::ZERO,
            total,
            paid: total,
            created_at: Some(time(wire.created)?),
            updated_at: Some(time(wire.updated)?),
            paid_at: None,
            shipped_at: None,
            cancelled_at: None,
            completed_at: None,
            ship_by: None,
            customer: Customer { name: Some(wire.buyer), ..Customer::default() },
            shipping_address: Address::default(),
            items: Vec::new(),
            shipments: Vec::new(),
            role: orderhub_model::Role::Sale,
            links: Vec::new(),
            raw: RawPayload::from_parsed(raw.get()),
        })
    }

    #[async_trait::async_trait]
    impl Connector for TinyConnector {
        fn platform(&self) -> Platform {
            PLATFORM
        }

        fn shop(&self) -> &str {
            &self.settings.shop
        }

        fn capabilities(&self) -> Capabilities {
            CAPABILITIES
        }

        async fn list_page(&self, query: &ListQuery) -> Result<OrderPage, ConnectorError> {
            let url = format!(
                "{}/orders?from={}&to={}&page={}",
                self.settings.base_url,
                query.from.as_second(),
                query.to.as_second(),
                query.page
            );
            let request =
                self.http.request(reqwest::Method::GET, &url).header("x-tiny-token", self.settings.token.expose());
            let answer = self.http.send(request).await?;
            let malformed = |detail: String| ConnectorError::Malformed { platform: PLATFORM, endpoint: "list", detail };
            let page: Answer = serde_json::from_slice(&answer.body).map_err(|e| malformed(e.to_string()))?;
            let shown = u64::from(query.page - 1) * 50 + page.orders.len() as u64;
            let orders = page
                .orders
                .iter()
                .map(|raw| normalize(&self.settings.shop, raw).map_err(|e| BadOrder::new(raw, "no", e)))
                .collect();
            Ok(OrderPage {
                orders,
                pages_after: Some(page.total.saturating_sub(shown).div_ceil(50)),
                total: Some(page.total),
            })
        }

        fn api_calls(&self) -> u64 {
            self.http.calls()
        }

        fn platform_clock_offset(&self) -> Option<SignedDuration> {
            self.http.platform_clock_offset()
        }
    }
}

/// A shop's sync settings for a sandbox shop, whatever its platform.
fn shop_sync(shop: &orderhub_sandbox::SandboxShop, earliest: Timestamp) -> ShopSync {
    let platform = orderhub_connectors::registry::platform(shop.platform).expect("every simulated platform is known");
    let connector = orderhub_connectors::connect(ShopSettings {
        shop: shop.key.to_string(),
        platform,
        base_url: shop.base_url.clone(),
        token: Secret::new(shop.token.clone()),
        auth_scheme: None,
        timezone: jiff::tz::TimeZone::get("Asia/Shanghai").unwrap(),
        remote_shop_id: shop.remote_shop_id.clone(),
        sync_from: Some(earliest),
        page_size: None,
        timeout: Duration::from_secs(10),
        rate_limit: None,
    })
    .expect("a connector for every simulated platform");
    ShopSync {
        connector: connector.into(),
        sync_from: earliest,
        refresh_window: SignedDuration::from_hours(24 * 30),
        overlap: SignedDuration::from_mins(10),
        retry: RetryPolicy {
            max_retries: 3,
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        },
        max_in_flight: orderhub_sync::DEFAULT_IN_FLIGHT,
        ship_deadline: None,
    }
}

/// `GET {base}{path}` with the key: its JSON.
async fn get_json(base: &str, path: &str, key: &str) -> Value {
    let answer = reqwest::Client::new().get(format!("{base}{path}")).bearer_auth(key).send().await.unwrap();
    answer.json().await.unwrap()
}

/// The API's Tinyshop orders, by number.
async fn tiny_orders_served(base: &str, key: &str) -> Vec<Value> {
    let answer = get_json(base, "/api/v1/orders?platform=tinyshop&sort=created&limit=500", key).await;
    answer["orders"].as_array().unwrap().clone()
}

/// Each served order equals the simulator's, field by field.
fn assert_served_as_simulated(served: &[Value], truth: &[simulator::TinyOrder]) {
    assert_eq!(served.len(), truth.len());
    for (order, tiny) in served.iter().zip(truth) {
        assert_eq!(order["id"], format!("tinyshop:tiny-one:{}", tiny.no));
        assert_eq!(order["platform"], "tinyshop");
        assert_eq!(order["order_number"], tiny.no);
        assert_eq!(order["platform_status"]["code"], tiny.state);
        let status = if tiny.state == "shipped" { "shipped" } else { "awaiting_shipment" };
        assert_eq!(order["status"], status, "{}", tiny.no);
        assert_eq!(order["total"], Decimal::new(tiny.total_cents, 2).to_string());
        assert_eq!(order["created_at"], Timestamp::from_second(tiny.created).unwrap().to_string());
        assert_eq!(order["updated_at"], Timestamp::from_second(tiny.updated).unwrap().to_string());
        assert_eq!(order["customer"]["name"], tiny.buyer);
        assert_eq!(order["raw"], tiny.json());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sixth_platform_goes_through_sandbox_sync_api_and_export() {
    orderhub_connectors::registry::register(&connector::ENTRY);
    orderhub_sandbox::register(&simulator::SIMULATOR);
    let sandbox = orderhub_sandbox::Sandbox::start(120, 3, 0, false).await.unwrap();
    let platforms: Vec<&str> = sandbox.shops.iter().map(|shop| shop.platform).collect();
    assert_eq!(platforms, ["shoptima", "wshoto", "westmonth", "damaijia", "vanmall", "tinyshop"]);
    assert_eq!(sandbox.order_count(), 6 * 120);

    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("hub.db");
    let store = Store::open(&format!("sqlite://{}", database.display())).await.unwrap();
    let shops = sandbox.shops.iter().map(|shop| (shop_sync(shop, sandbox.earliest), Duration::from_secs(3600)));
    let hub = Hub::new(store.clone(), shops.collect());
    for shop in &sandbox.shops {
        let report = hub.sync_now(shop.key).await.unwrap_or_else(|e| panic!("{}: {e}", shop.key));
        if shop.platform == "tinyshop" {
            assert_eq!(report.orders.new, 120);
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = orderhub_server::AppState::new(hub.clone(), vec![]);
    tokio::spawn(orderhub_server::serve(listener, state, std::future::pending()));
    let (key, _) = create_key(&store, "test", Scope::Read, true).await.unwrap();

    let tiny = sandbox.simulators.last().unwrap();
    let truth = || {
        let mut orders = simulator::STARTED.lock().unwrap().as_ref().unwrap().orders.lock().unwrap().clone();
        orders.sort_by_key(|o| o.created);
        orders
    };
    assert_served_as_simulated(&tiny_orders_served(&base, &key).await, &truth());

    // Orders change on the platform; the next sync brings each change once.
    let changed = tiny.churn(10, 1);
    assert_eq!(changed.len(), 10);
    // A sync reads changes once they are older than its upper bound's lag.
    tokio::time::sleep((orderhub_sync::UPPER_BOUND_LAG + SignedDuration::from_secs(1)).unsigned_abs()).await;
    let report = hub.sync_now("tiny-one").await.unwrap();
    assert_eq!((report.orders.new, report.orders.changed), (0, 10));
    assert_served_as_simulated(&tiny_orders_served(&base, &key).await, &truth());
    let id = format!("tinyshop:tiny-one:{}", changed[0]);
    let events = get_json(&base, &format!("/api/v1/orders/{id}/events"), &key).await;
    let kinds: Vec<&str> = events["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "changed"]);

    // The platform list serves it; the other platforms' orders are all there.
    let listed = get_json(&base, "/api/v1/platforms", &key).await;
    let last = listed["platforms"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["key"].as_str(), last["label"].as_str(), last["colour"].as_str()),
        (Some("tinyshop"), Some("Tinyshop"), Some("#0e9384"))
    );
    for shop in &sandbox.shops {
        let filter = orderhub_store::OrderFilter { shop: Some(shop.key.to_string()), ..Default::default() };
        let stored = store.orders(&filter).await.unwrap().len();
        let expected = if shop.platform == "vanmall" { 0 } else { 120 };
        assert_eq!(
            stored, expected,
            "{}: a listing platform's orders are all synced; VanMall's come by number",
            shop.key
        );
    }

    // `orderhub orders export`, the real binary (which knows only the five
    // built in), exports the sixth platform's orders as the API serves them.
    let config = dir.path().join("export.toml");
    std::fs::write(&config, format!("[database]\nurl = \"sqlite://{}\"\n", database.display())).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .args(["--config", config.to_str().unwrap(), "orders", "export", "--format", "jsonl", "--shop", "tiny-one"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut exported: Vec<Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    exported.sort_by(|a, b| a["created_at"].as_str().cmp(&b["created_at"].as_str()));
    assert_served_as_simulated(&exported, &truth());
    assert_eq!(exported, tiny_orders_served(&base, &key).await);
}
