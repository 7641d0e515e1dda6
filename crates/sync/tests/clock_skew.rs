//! The platform's clock 5 minutes ahead of ours, or behind: changes stamped by
//! its clock still land in a window (each run reads back over a 10-minute
//! overlap), so after sync → changes → sync the store equals the platform.
//! For every platform that lists by update time.

mod common;

use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::{Connector, Secret, ShopSettings};
use orderhub_model::Platform;
use orderhub_sandbox::{DamaijiaConfig, DamaijiaSim, WestmonthConfig, WestmonthSim, WshotoConfig, WshotoSim, serve};
use orderhub_store::Store;
use orderhub_sync::{sync_shop, verify_shop};
use std::time::Duration;

fn connector(platform: Platform, base_url: &str, token: &str, remote_shop_id: Option<&str>) -> Box<dyn Connector> {
    orderhub_connectors::connect(ShopSettings {
        shop: "skewed".into(),
        platform,
        base_url: base_url.into(),
        token: Secret::new(token),
        auth_scheme: None,
        timezone: jiff::tz::TimeZone::get("Asia/Shanghai").unwrap(),
        remote_shop_id: remote_shop_id.map(String::from),
        sync_from: Some(Timestamp::UNIX_EPOCH),
        // Pages of one: 400 of them, so a listing that counts its orders is read in spans too.
        page_size: Some(1),
        timeout: Duration::from_secs(5),
        rate_limit: None,
    })
    .unwrap()
}

/// Syncs, lets `churn` change orders on the platform, syncs again, and checks
/// the store equals the platform.
async fn sync_churn_sync_verify(connector: Box<dyn Connector>, in_flight: usize, churn: impl Fn() -> usize) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("k.db").display())).await.unwrap();
    let mut shop = common::shop(connector, Default::default());
    shop.max_in_flight = in_flight;
    sync_shop(&store, &shop, &|_| {}).await.unwrap();
    assert!(churn() > 50);
    // A run's upper bound trails the platform's clock (as its `Date` header
    // tells it) by a couple of seconds; a change within them is read by the run
    // after (its window starts an overlap before this one's end). Waiting them
    // out makes "the next run sees it" exact.
    tokio::time::sleep(common::PAST_THE_UPPER_BOUND).await;
    let report = sync_shop(&store, &shop, &|_| {}).await.unwrap();
    assert!(report.orders.changed > 0);
    let range = (Timestamp::UNIX_EPOCH, Timestamp::now().checked_add(SignedDuration::from_hours(1)).unwrap());
    let check = verify_shop(&store, shop.connector.as_ref(), range, false, shop.retry).await.unwrap();
    assert!(check.clean(), "missing {:?}, stale {:?}", check.missing, check.stale);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_minutes_ahead_or_behind_loses_nothing() {
    for (offset, in_flight) in [(300i64, 4), (-300, 4), (300, 16), (-300, 16)] {
        let anchor = orderhub_sandbox::unix_now() + offset;

        let config = WshotoConfig { orders: 400, anchor, clock_offset: offset, ..WshotoConfig::default() };
        let sim = WshotoSim::new(&config);
        let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
        let c = connector(orderhub_connectors::wshoto::PLATFORM, &running.base_url, &config.access_token, None);
        sync_churn_sync_verify(c, in_flight, || sim.churn(120, 1).len()).await;

        let config = WestmonthConfig { orders: 400, anchor, clock_offset: offset, ..WestmonthConfig::default() };
        let sim = WestmonthSim::new(&config);
        let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
        let c = connector(orderhub_connectors::westmonth::PLATFORM, &running.base_url, &config.token, None);
        sync_churn_sync_verify(c, in_flight, || sim.churn(120, 2).len()).await;

        let config = DamaijiaConfig { orders: 400, anchor, clock_offset: offset, ..DamaijiaConfig::default() };
        let sim = DamaijiaSim::new(&config);
        let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
        let c =
            connector(orderhub_connectors::damaijia::PLATFORM, &running.base_url, &config.token, Some(&config.shop_id));
        sync_churn_sync_verify(c, in_flight, || sim.churn(120, 3).len()).await;
    }
}
