//! A Shoptima simulator on 127.0.0.1:0, a fresh SQLite store, and a connector to it.

#![allow(dead_code)]

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::{
    BadOrder, Capabilities, Connector, ConnectorError, ListQuery, OrderPage, Secret, ShipmentOutcome, ShipmentRequest,
    ShopSettings,
};
use orderhub_model::{Order, Platform};
use orderhub_sandbox::{Running, ShoptimaConfig, ShoptimaSim, serve};
use orderhub_store::Store;
use orderhub_sync::{RetryPolicy, ShopSync};
use std::sync::Mutex;
use std::time::Duration;

pub struct Setup {
    pub sim: ShoptimaSim,
    pub store: Store,
    pub connector: Box<dyn Connector>,
    /// The simulator stops and the store's directory is removed when these drop:
    /// bind them to a named variable for the whole test.
    pub running: Running,
    pub dir: tempfile::TempDir,
}

/// How long after a change on the platform a run surely reads it: a run's upper
/// bound trails the platform's clock by [`orderhub_sync::UPPER_BOUND_LAG`] and
/// is cut to a whole second.
pub const PAST_THE_UPPER_BOUND: Duration = Duration::from_millis(3100);

/// A connector to `base_url` for the given platform, shop key `belment`.
pub fn connector(platform: Platform, base_url: &str, token: &str) -> Box<dyn Connector> {
    paged_connector(platform, base_url, token, None)
}

/// [`connector`], asking for pages of `page_size` orders.
pub fn paged_connector(platform: Platform, base_url: &str, token: &str, page_size: Option<u32>) -> Box<dyn Connector> {
    orderhub_connectors::connect(ShopSettings {
        shop: "belment".into(),
        platform,
        base_url: base_url.into(),
        token: Secret::new(token),
        auth_scheme: None,
        timezone: jiff::tz::TimeZone::get("Asia/Shanghai").unwrap(),
        remote_shop_id: None,
        sync_from: None,
        page_size,
        timeout: Duration::from_secs(5),
        rate_limit: None,
    })
    .unwrap()
}

pub async fn setup(orders: u64, seed: u64) -> Setup {
    let config = ShoptimaConfig { orders, seed, ..ShoptimaConfig::default() };
    let sim = ShoptimaSim::new(&config);
    let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "/api/v1").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("sync.db").display())).await.unwrap();
    let connector = connector(orderhub_connectors::shoptima::PLATFORM, &running.base_url, &config.token);
    Setup { sim, store, connector, running, dir }
}

/// A shop reading everything of the last 60 days through `connector`.
pub fn shop(connector: Box<dyn Connector>, retry: RetryPolicy) -> ShopSync {
    shop_sharing(connector.into(), retry)
}

/// [`shop`] through a connector the test keeps a handle on (to read what it noted).
pub fn shop_sharing(connector: std::sync::Arc<dyn Connector>, retry: RetryPolicy) -> ShopSync {
    ShopSync {
        connector,
        sync_from: Timestamp::now().checked_sub(SignedDuration::from_hours(24 * 60)).unwrap(),
        refresh_window: SignedDuration::from_hours(24 * 30),
        overlap: SignedDuration::from_mins(10),
        retry,
        max_in_flight: orderhub_sync::DEFAULT_IN_FLIGHT,
        ship_deadline: None,
    }
}

/// What the test does to the platform after a page is read: given the
/// page's query and answer, it changes the platform and says so, or says
/// it did nothing (then it is asked again after the next page).
pub type Meddle = Box<dyn FnMut(&ListQuery, &OrderPage) -> bool + Send>;

/// A connector that lets the test change the platform right after a page
/// is read, once.
pub struct Meddling {
    pub inner: Box<dyn Connector>,
    pub after_page: Mutex<Option<Meddle>>,
}

#[async_trait]
impl Connector for Meddling {
    fn platform(&self) -> Platform {
        self.inner.platform()
    }
    fn shop(&self) -> &str {
        self.inner.shop()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn list_page(&self, query: &ListQuery) -> Result<OrderPage, ConnectorError> {
        let page = self.inner.list_page(query).await?;
        // Not after the engine's clock probe (an empty window): after a real page.
        let mut after_page = self.after_page.lock().unwrap();
        if query.from != query.to
            && let Some(meddle) = after_page.as_mut()
            && meddle(query, &page)
        {
            *after_page = None;
        }
        Ok(page)
    }
    async fn fetch(&self, number: &str) -> Result<Option<Result<Order, BadOrder>>, ConnectorError> {
        self.inner.fetch(number).await
    }
    async fn ship(&self, shipments: &[ShipmentRequest]) -> Result<Vec<ShipmentOutcome>, ConnectorError> {
        self.inner.ship(shipments).await
    }
    fn api_calls(&self) -> u64 {
        self.inner.api_calls()
    }
}
