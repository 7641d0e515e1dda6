//! The sync's core promise under a hostile platform, on every simulator: while
//! one request in ten fails (HTTP 5xx, timeouts, answers cut off, connections
//! reset, HTTP 429, the platform's own "busy" code) and a tenth of the orders
//! change during the sync (between page requests), a sync and one more run
//! leave the store equal to the platform: every order once, none stale.
//!
//! Seeds and sizes: `ORDERHUB_MATRIX_SEEDS` (default 2) seeds from 1, and
//! `ORDERHUB_MATRIX_ORDERS` (default 3000) orders per platform; the full matrix
//! of the sync issue is `ORDERHUB_MATRIX_SEEDS=20 ORDERHUB_MATRIX_ORDERS=20000`
//! (`scripts/sync-matrix.sh`, release build).

mod common;

use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::{Connector, ErrorKind, Secret, ShopSettings};
use orderhub_model::Platform;
use orderhub_sandbox::{
    DamaijiaConfig, DamaijiaSim, Faults, Running, ShoptimaConfig, ShoptimaSim, VanmallConfig, VanmallSim,
    WestmonthConfig, WestmonthSim, WshotoConfig, WshotoSim, serve,
};
use orderhub_store::Store;
use orderhub_sync::{RetryPolicy, ShopSync, fetch_orders, sync_shop, verify_shop};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// One request in ten fails. `busy` is left out where the document has no
/// such code (Westmonth, VanMall): another 5xx takes its share.
const FAULTS: &str = "5xx@2%,timeout:1500@1%,truncated@2%,reset@2%,429@1%,busy@2%";
const FAULTS_WITHOUT_BUSY: &str = "5xx@2%,timeout:1500@1%,truncated@2%,reset@2%,429@1%,5xx:503@2%";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A simulator on loopback, as the test drives it.
struct Simulated {
    faults: Faults,
    /// Moves up to N orders along their lifecycle (round R); returns how many moved.
    churn: Arc<dyn Fn(usize, u64) -> usize + Send + Sync>,
    /// Every order number the platform holds.
    numbers: Box<dyn Fn() -> Vec<String> + Send + Sync>,
    settings: ShopSettings,
    _running: Running,
}

fn settings(shop: &str, platform: Platform, base_url: &str, token: &str, remote: Option<&str>) -> ShopSettings {
    ShopSettings {
        shop: shop.into(),
        platform,
        base_url: base_url.into(),
        token: Secret::new(token),
        auth_scheme: None,
        timezone: jiff::tz::TimeZone::get("Asia/Shanghai").unwrap(),
        remote_shop_id: remote.map(String::from),
        sync_from: None,
        page_size: None,
        // Below the `timeout:1500` fault: the client gives up first.
        timeout: Duration::from_secs(1),
        rate_limit: None,
    }
}

async fn start(platform: Platform, orders: u64, seed: u64) -> Simulated {
    let loopback = "127.0.0.1:0".parse().unwrap();
    let shop = platform.to_string();
    match platform {
        orderhub_connectors::shoptima::PLATFORM => {
            let config = ShoptimaConfig { orders, seed, ..ShoptimaConfig::default() };
            let sim = ShoptimaSim::new(&config);
            let running = serve(sim.router(), loopback, "/api/v1").await.unwrap();
            let (a, b) = (sim.clone(), sim.clone());
            Simulated {
                faults: sim.faults().clone(),
                churn: Arc::new(move |n, round| distinct(a.churn(n, round))),
                numbers: Box::new(move || field(b.truth(), "order_num")),
                settings: settings(&shop, platform, &running.base_url, &config.token, None),
                _running: running,
            }
        }
        orderhub_connectors::wshoto::PLATFORM => {
            let config = WshotoConfig { orders, seed, ..WshotoConfig::default() };
            let sim = WshotoSim::new(&config);
            let running = serve(sim.router(), loopback, "").await.unwrap();
            let (a, b) = (sim.clone(), sim.clone());
            Simulated {
                faults: sim.faults().clone(),
                churn: Arc::new(move |n, round| distinct(a.churn(n, round))),
                numbers: Box::new(move || field(b.truth(), "order_code")),
                settings: settings(&shop, platform, &running.base_url, &config.access_token, None),
                _running: running,
            }
        }
        orderhub_connectors::westmonth::PLATFORM => {
            let config = WestmonthConfig { orders, seed, ..WestmonthConfig::default() };
            let sim = WestmonthSim::new(&config);
            let running = serve(sim.router(), loopback, "").await.unwrap();
            let (a, b) = (sim.clone(), sim.clone());
            Simulated {
                faults: sim.faults().clone(),
                churn: Arc::new(move |n, round| distinct(a.churn(n, round))),
                numbers: Box::new(move || field(b.truth(), "number")),
                settings: settings(&shop, platform, &running.base_url, &config.token, None),
                _running: running,
            }
        }
        orderhub_connectors::damaijia::PLATFORM => {
            let config = DamaijiaConfig { orders, seed, ..DamaijiaConfig::default() };
            let sim = DamaijiaSim::new(&config);
            let running = serve(sim.router(), loopback, "").await.unwrap();
            let (a, b) = (sim.clone(), sim.clone());
            Simulated {
                faults: sim.faults().clone(),
                churn: Arc::new(move |n, round| distinct(a.churn(n, round))),
                numbers: Box::new(move || field(b.truth(), "order_id")),
                settings: settings(&shop, platform, &running.base_url, &config.token, Some(&config.shop_id)),
                _running: running,
            }
        }
        orderhub_connectors::vanmall::PLATFORM => {
            let config = VanmallConfig { orders, seed, ..VanmallConfig::default() };
            let sim = VanmallSim::new(&config);
            let running = serve(sim.router(), loopback, "").await.unwrap();
            let (a, b) = (sim.clone(), sim.clone());
            Simulated {
                faults: sim.faults().clone(),
                churn: Arc::new(move |n, round| distinct(a.churn(n, round))),
                numbers: Box::new(move || b.order_numbers()),
                settings: settings(&shop, platform, &running.base_url, &config.token, None),
                _running: running,
            }
        }
        other => panic!("no simulator for {other}"),
    }
}

fn field(orders: Vec<serde_json::Value>, name: &str) -> Vec<String> {
    orders.iter().map(|o| o[name].as_str().map(String::from).unwrap_or_else(|| o[name].to_string())).collect()
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy { max_retries: 10, min_delay: Duration::from_millis(5), max_delay: Duration::from_millis(100) }
}

fn shop_sync(connector: Box<dyn Connector>, in_flight: usize) -> ShopSync {
    let mut shop = common::shop(connector, quick_retries());
    shop.max_in_flight = in_flight;
    shop.sync_from = Timestamp::now().checked_sub(SignedDuration::from_hours(24 * 40)).unwrap();
    shop
}

/// Sync with faults and churn during it, one more run, then compare with the
/// platform (faults off): the store holds every order once, in its latest state.
async fn hostile_platform_loses_nothing(platform: Platform, orders: u64, seed: u64, in_flight: usize) {
    let mut sim = start(platform, orders, seed).await;
    // Pages of 10 (300 of 3,000 orders): a listing that counts its orders
    // is read in spans too, several pages of each in flight.
    sim.settings.page_size = Some(10);
    let default = if sim.faults.spec().business_error.is_some() { FAULTS } else { FAULTS_WITHOUT_BUSY };
    // `ORDERHUB_MATRIX_FAULTS` replaces the plan (empty: none), to tell faults from churn.
    let plan = std::env::var("ORDERHUB_MATRIX_FAULTS").unwrap_or_else(|_| default.to_string());
    sim.faults.add_spec(&plan).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("m.db").display())).await.unwrap();
    let shop = shop_sync(orderhub_connectors::connect(sim.settings.clone()).unwrap(), in_flight);

    // A tenth of the orders change while the first sync pages through them.
    let target = (orders / 10) as usize;
    let (done, churned) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let churner = {
        let (churn, done, churned) = (sim.churn.clone(), done.clone(), churned.clone());
        tokio::spawn(async move {
            let mut round = seed * 1_000_000;
            while !done.load(Ordering::Relaxed) && churned.load(Ordering::Relaxed) < target {
                round += 1;
                churned.fetch_add(churn((target / 40).max(1), round), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let first = if platform == orderhub_connectors::vanmall::PLATFORM {
        // No list: orders come in by number, and the sync refreshes the open ones.
        fetch_orders(&store, shop.connector.as_ref(), &(sim.numbers)(), shop.retry).await.map(|_| ())
    } else {
        sync_shop(&store, &shop, &|_| {}).await.map(|_| ())
    };
    done.store(true, Ordering::Relaxed);
    churner.await.unwrap();
    first.unwrap_or_else(|e| panic!("{platform} seed {seed}: first sync failed: {e}"));
    // Changes stamped in the run's last second are read by the next run.
    tokio::time::sleep(common::PAST_THE_UPPER_BOUND).await;
    let second = sync_shop(&store, &shop, &|_| {}).await;
    let second = second.unwrap_or_else(|e| panic!("{platform} seed {seed}: second sync failed: {e}"));

    let fired: u64 = sim.faults.describe().iter().map(|r| r["fired"].as_u64().unwrap()).sum();
    assert!(fired > 0 || plan.is_empty(), "{platform} seed {seed}: no fault fired: the test proves nothing");
    assert!(churned.load(Ordering::Relaxed) > 0, "{platform} seed {seed}: nothing changed during the sync");

    sim.faults.clear();
    let range = (Timestamp::UNIX_EPOCH, Timestamp::now().checked_add(SignedDuration::from_hours(1)).unwrap());
    let check = verify_shop(&store, shop.connector.as_ref(), range, false, shop.retry).await.unwrap();
    assert!(
        check.clean(),
        "{platform} seed {seed}: missing {:?}, stale {:?} (second run: {second:?})",
        check.missing,
        check.stale
    );
    let numbers = (sim.numbers)();
    assert_eq!(store.order_count().await.unwrap(), numbers.len() as i64, "{platform} seed {seed}: one row per order");
    let mut stored = store.order_numbers(&sim.settings.shop).await.unwrap();
    stored.sort();
    let mut expected = numbers;
    expected.sort();
    assert_eq!(stored, expected, "{platform} seed {seed}: the stored orders are the platform's");
}

async fn matrix(platform: Platform) {
    let orders = env_number("ORDERHUB_MATRIX_ORDERS", 3000);
    // VanMall is read one order per request: a tenth of the orders keeps it quick.
    let orders = if platform == orderhub_connectors::vanmall::PLATFORM { (orders / 10).max(100) } else { orders };
    for seed in 1..=env_number("ORDERHUB_MATRIX_SEEDS", 2) {
        // Both the default and many requests in flight at once.
        let in_flight = if seed % 2 == 1 { 4 } else { 16 };
        hostile_platform_loses_nothing(platform, orders, seed, in_flight).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shoptima_under_faults_and_churn() {
    matrix(orderhub_connectors::shoptima::PLATFORM).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wshoto_under_faults_and_churn() {
    matrix(orderhub_connectors::wshoto::PLATFORM).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn westmonth_under_faults_and_churn() {
    matrix(orderhub_connectors::westmonth::PLATFORM).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaijia_under_faults_and_churn() {
    matrix(orderhub_connectors::damaijia::PLATFORM).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vanmall_under_faults_and_churn() {
    matrix(orderhub_connectors::vanmall::PLATFORM).await;
}

/// A platform serving smaller pages than asked (and than its document allows)
/// must not make the sync stop early or skip orders.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_smaller_than_asked_lose_nothing() {
    for platform in [
        orderhub_connectors::shoptima::PLATFORM,
        orderhub_connectors::wshoto::PLATFORM,
        orderhub_connectors::westmonth::PLATFORM,
        orderhub_connectors::damaijia::PLATFORM,
    ] {
        let sim = start(platform, 700, 3).await;
        sim.faults.add_spec("*.list=page_cap:30").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}", dir.path().join("p.db").display())).await.unwrap();
        let shop = shop_sync(orderhub_connectors::connect(sim.settings.clone()).unwrap(), 4);
        sync_shop(&store, &shop, &|_| {}).await.unwrap();
        assert_eq!(store.order_count().await.unwrap(), 700, "{platform}: every order, though pages held 30");
        let range = (Timestamp::UNIX_EPOCH, Timestamp::now().checked_add(SignedDuration::from_hours(1)).unwrap());
        let check = verify_shop(&store, shop.connector.as_ref(), range, false, shop.retry).await.unwrap();
        assert!(check.clean(), "{platform}: missing {:?}, stale {:?}", check.missing, check.stale);
    }
}

/// A refused token or a spent quota pauses that shop only; the shop beside it
/// on another platform syncs on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_quota_pauses_only_its_shop() {
    let damaijia = start(orderhub_connectors::damaijia::PLATFORM, 200, 4).await;
    let wshoto = start(orderhub_connectors::wshoto::PLATFORM, 200, 4).await;
    damaijia.faults.add_spec("damaijia=busy:204").unwrap();
    wshoto.faults.add_spec(FAULTS).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("q.db").display())).await.unwrap();
    let spent = shop_sync(orderhub_connectors::connect(damaijia.settings.clone()).unwrap(), 4);
    let healthy = shop_sync(orderhub_connectors::connect(wshoto.settings.clone()).unwrap(), 4);
    let (spent_run, healthy_run) =
        tokio::join!(sync_shop(&store, &spent, &|_| {}), sync_shop(&store, &healthy, &|_| {}));
    let error = spent_run.unwrap_err();
    assert_eq!(error.connector_error().map(|e| e.kind()), Some(ErrorKind::Quota), "{error}");
    assert_eq!(healthy_run.unwrap().orders.new, 200);
    let (reason, _) = store.paused("damaijia").await.unwrap().expect("the quota pauses its shop");
    assert!(reason.contains("204"), "{reason}");
    assert_eq!(store.paused("wshoto").await.unwrap(), None);
}

/// Hundreds of orders changed in one second (one churn call stamps them all
/// with the same update time) span several pages of 50: the next sync brings
/// every one of them, whichever page boundary and window edge they straddle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_orders_in_one_second_across_page_boundaries() {
    for in_flight in [4, 16] {
        ties_across_page_boundaries(orderhub_connectors::wshoto::PLATFORM, in_flight).await;
        ties_across_page_boundaries(orderhub_connectors::westmonth::PLATFORM, in_flight).await;
        ties_across_page_boundaries(orderhub_connectors::damaijia::PLATFORM, in_flight).await;
    }
}

async fn ties_across_page_boundaries(platform: Platform, in_flight: usize) {
    let mut sim = start(platform, 1500, 8).await;
    sim.settings.page_size = Some(50);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
    let shop = shop_sync(orderhub_connectors::connect(sim.settings.clone()).unwrap(), in_flight);
    sync_shop(&store, &shop, &|_| {}).await.unwrap();
    let burst = (sim.churn)(600, 77);
    assert!(burst >= 200, "{platform}: only {burst} orders moved in the burst");
    tokio::time::sleep(common::PAST_THE_UPPER_BOUND).await;
    let report = sync_shop(&store, &shop, &|_| {}).await.unwrap();
    assert_eq!(report.orders.changed, burst as u64, "{platform}: every order of the burst, once");
    let range = (Timestamp::UNIX_EPOCH, Timestamp::now().checked_add(SignedDuration::from_hours(1)).unwrap());
    let check = verify_shop(&store, shop.connector.as_ref(), range, false, shop.retry).await.unwrap();
    assert!(check.clean(), "{platform}: missing {:?}, stale {:?}", check.missing, check.stale);
    assert_eq!(store.order_count().await.unwrap(), 1500);
}

/// How many orders a churn moved (it may move one order twice).
fn distinct(numbers: Vec<String>) -> usize {
    numbers.into_iter().collect::<std::collections::HashSet<_>>().len()
}
