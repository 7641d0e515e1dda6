//! A Shoptima simulator on 127.0.0.1:0, a fresh SQLite store, and a connector to it.

use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::{Connector, Secret, ShopSettings};
use orderhub_model::Platform;
use orderhub_sandbox::{Running, ShoptimaConfig, ShoptimaSim, serve};
use orderhub_store::Store;
use orderhub_sync::{RetryPolicy, ShopSync};
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

pub async fn setup(orders: u64, seed: u64) -> Setup {
    let config = ShoptimaConfig { orders, seed, ..ShoptimaConfig::default() };
    let sim = ShoptimaSim::new(&config);
    let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "/api/v1").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("sync.db").display())).await.unwrap();
    let connector = orderhub_connectors::connect(ShopSettings {
        shop: "belment".into(),
        platform: Platform::Shoptima,
        base_url: running.base_url.clone(),
        token: Secret::new(config.token.clone()),
        auth_scheme: None,
        timezone: jiff::tz::TimeZone::UTC,
        remote_shop_id: None,
        page_size: None,
        timeout: Duration::from_secs(5),
    })
    .unwrap();
    Setup { sim, store, connector, running, dir }
}

/// A shop reading everything of the last 60 days through `connector`.
pub fn shop(connector: Box<dyn Connector>, retry: RetryPolicy) -> ShopSync {
    ShopSync {
        connector,
        sync_from: Timestamp::now().checked_sub(SignedDuration::from_hours(24 * 60)).unwrap(),
        refresh_window: SignedDuration::from_hours(24 * 30),
        overlap: SignedDuration::from_mins(10),
        retry,
    }
}
