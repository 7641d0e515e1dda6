//! A shop's list requests go `max_in_flight` at a time: that many, never
//! more, each page asked for once; a busy answer holds every lane back; a
//! long window is read in spans, and the cursor moves over the spans read
//! in full, so a run that stops midway leaves the next one less to read.
//! Against the Shoptima and Westmonth simulators over real HTTP.

mod common;

use async_trait::async_trait;
use orderhub_connectors::{
    BadOrder, Capabilities, Connector, ConnectorError, ListQuery, OrderPage, ShipmentOutcome, ShipmentRequest,
};
use orderhub_model::{Order, Platform};
use orderhub_sandbox::{WestmonthConfig, WestmonthSim, serve};
use orderhub_store::Store;
use orderhub_sync::{RetryPolicy, sync_shop};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One list request as the platform saw it.
#[derive(Debug, Clone)]
struct Asked {
    query: (String, String, usize, u32),
    started: Instant,
    ended: Instant,
    failed: bool,
}

/// Notes every listing request (not the engine's clock probe), each held
/// `delay` longer, as a platform across the internet is slower; fails with
/// a refused token once `fail_after` pages have been answered, and with
/// HTTP 429 once when `busy_at` have.
struct Watching {
    inner: Box<dyn Connector>,
    delay: Duration,
    fail_after: Option<usize>,
    busy_at: Option<usize>,
    asked: Mutex<Vec<Asked>>,
    in_flight: Mutex<(usize, usize)>,
}

/// A request in flight, counted out when it drops.
struct InFlight<'a>(&'a Mutex<(usize, usize)>);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.lock().unwrap().0 -= 1;
    }
}

impl Watching {
    fn new(inner: Box<dyn Connector>, delay: Duration) -> Watching {
        Watching { inner, delay, fail_after: None, busy_at: None, asked: Mutex::default(), in_flight: Mutex::default() }
    }

    /// The most requests in flight at once.
    fn most_in_flight(&self) -> usize {
        self.in_flight.lock().unwrap().1
    }
}

#[async_trait]
impl Connector for Watching {
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
        if query.from == query.to {
            return self.inner.list_page(query).await;
        }
        let answered = self.asked.lock().unwrap().iter().filter(|a| !a.failed).count();
        if self.busy_at.is_some_and(|at| answered >= at) && self.asked.lock().unwrap().iter().all(|a| !a.failed) {
            let now = Instant::now();
            let key = (query.from.to_string(), query.to.to_string(), query.partition, query.page);
            self.asked.lock().unwrap().push(Asked { query: key, started: now, ended: now, failed: true });
            return Err(ConnectorError::ServerError { platform: self.platform(), status: 429, message: "busy".into() });
        }
        if self.fail_after.is_some_and(|after| answered >= after) {
            let platform = self.platform();
            return Err(ConnectorError::Unauthorized { platform, status: 401, code: None, message: "test".into() });
        }
        {
            let mut in_flight = self.in_flight.lock().unwrap();
            in_flight.0 += 1;
            in_flight.1 = in_flight.1.max(in_flight.0);
        }
        // Counted out when the request ends or is dropped (a page guessed
        // ahead and no longer wanted).
        let _counted = InFlight(&self.in_flight);
        let started = Instant::now();
        tokio::time::sleep(self.delay).await;
        let answer = self.inner.list_page(query).await;
        let key = (query.from.to_string(), query.to.to_string(), query.partition, query.page);
        let asked = Asked { query: key, started, ended: Instant::now(), failed: answer.is_err() };
        self.asked.lock().unwrap().push(asked);
        answer
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
    fn platform_clock_offset(&self) -> Option<jiff::SignedDuration> {
        self.inner.platform_clock_offset()
    }
}

/// A connector to the setup's Shoptima simulator asking for pages of `page_size`.
fn shoptima(setup: &common::Setup, page_size: u32) -> Box<dyn Connector> {
    let token = orderhub_sandbox::ShoptimaConfig::default().token;
    let platform = orderhub_connectors::shoptima::PLATFORM;
    common::paged_connector(platform, &setup.running.base_url, &token, Some(page_size))
}

fn asked_once(asked: &[Asked]) {
    let queries: Vec<_> = asked.iter().filter(|a| !a.failed).map(|a| a.query.clone()).collect();
    let distinct: HashSet<_> = queries.iter().cloned().collect();
    assert_eq!(distinct.len(), queries.len(), "a page asked for twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_with_totals_are_read_max_in_flight_pages_at_a_time() {
    for in_flight in [4, 16] {
        let setup = common::setup(6_000, 21).await;
        // Pages of 20: 300 pages, read in three spans.
        let watching = Arc::new(Watching::new(shoptima(&setup, 20), Duration::from_millis(20)));
        let mut shop = common::shop_sharing(watching.clone(), RetryPolicy::default());
        shop.max_in_flight = in_flight;
        let report = sync_shop(&setup.store, &shop, &|_| {}).await.unwrap();

        assert_eq!(report.orders.new, 6_000);
        assert_eq!(setup.store.order_count().await.unwrap(), 6_000);
        assert_eq!(watching.most_in_flight(), in_flight, "as many in flight as allowed, and no more");
        let asked = watching.asked.lock().unwrap().clone();
        asked_once(&asked);
        // Each span's last page is partly empty, and the window's first page
        // is read again with its first span: within 1.05 of 300 full pages.
        let pages = asked.len() as f64;
        assert!(pages <= 6_000.0 / 20.0 * 1.05, "{pages} pages for 300 pages' worth of orders");
        assert_eq!(report.api_calls, asked.len() as u64);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_without_totals_are_read_in_spans_at_the_same_time() {
    for in_flight in [4, 16] {
        let config = WestmonthConfig { orders: 3_000, seed: 5, ..WestmonthConfig::default() };
        let sim = WestmonthSim::new(&config);
        let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}", dir.path().join("w.db").display())).await.unwrap();
        let platform = orderhub_connectors::westmonth::PLATFORM;
        let inner = common::paged_connector(platform, &running.base_url, &config.token, Some(20));
        let watching = Arc::new(Watching::new(inner, Duration::from_millis(20)));
        let mut shop = common::shop_sharing(watching.clone(), RetryPolicy::default());
        shop.max_in_flight = in_flight;
        let report = sync_shop(&store, &shop, &|_| {}).await.unwrap();

        assert_eq!(store.order_count().await.unwrap(), 3_000);
        assert_eq!(watching.most_in_flight(), in_flight, "as many in flight as allowed, and no more");
        let asked = watching.asked.lock().unwrap().clone();
        asked_once(&asked);
        let windows: HashSet<_> = asked.iter().map(|a| (a.query.0.clone(), a.query.1.clone())).collect();
        // The whole window's first page, two spans a lane (and one for the
        // time before the first orders), and one listing of the orders
        // updated since (the check).
        let spans = windows.len() - 2;
        assert!([2 * in_flight, 2 * in_flight + 1].contains(&spans), "{windows:?}");
        // 150 full pages; the first page of the whole window and one far
        // into it (which shows it is worth splitting), the check, each
        // span's partly empty page, and a guessed page where lanes would idle.
        let most = 150 + 3 + spans + in_flight;
        assert!(asked.len() <= most, "{} pages, at most {most}", asked.len());
        assert!(store.cursor("belment", "updated:all").await.unwrap().is_some());
        assert_eq!(report.rereads, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_answer_holds_every_lane_back() {
    let setup = common::setup(3_000, 22).await;
    let mut watching = Watching::new(shoptima(&setup, 20), Duration::from_millis(20));
    // Mid-listing: 40 of 150 pages answered, the others still coming.
    watching.busy_at = Some(40);
    let watching = Arc::new(watching);
    let retry =
        RetryPolicy { max_retries: 3, min_delay: Duration::from_millis(400), max_delay: Duration::from_secs(1) };
    let mut shop = common::shop_sharing(watching.clone(), retry);
    shop.max_in_flight = 8;
    let report = sync_shop(&setup.store, &shop, &|_| {}).await.unwrap();
    assert_eq!(setup.store.order_count().await.unwrap(), 3_000);
    assert_eq!(report.retries, 1);

    // After each refusal, no request starts until the retry's wait (at
    // least 400 ms) has passed: not this lane's only, every lane's.
    let asked = watching.asked.lock().unwrap().clone();
    for refused in asked.iter().filter(|a| a.failed) {
        let calm = refused.ended + Duration::from_millis(350);
        let during: Vec<_> = asked.iter().filter(|a| a.started > refused.ended && a.started < calm).collect();
        assert!(during.is_empty(), "{} requests started within 350 ms of a 429", during.len());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_stops_midway_keeps_the_spans_it_read() {
    let setup = common::setup(6_000, 23).await;
    let mut watching = Watching::new(shoptima(&setup, 10), Duration::from_millis(5));
    // 600 pages in six spans, three read at a time: the token is refused after 400.
    watching.fail_after = Some(400);
    let watching = Arc::new(watching);
    let mut shop = common::shop_sharing(watching.clone(), RetryPolicy::default());
    // Only the window from the cursor is read again (not the month before
    // now), and the window starts where the orders do (spans split it by time).
    shop.refresh_window = jiff::SignedDuration::from_hours(1);
    let earliest = setup.sim.truth().iter().filter_map(|o| o["order_time"].as_i64()).min().unwrap();
    shop.sync_from = jiff::Timestamp::from_second(earliest - 1).unwrap();
    let sync_from = shop.sync_from;
    sync_shop(&setup.store, &shop, &|_| {}).await.unwrap_err();

    let stream = "created:is_refund=0";
    let cursor = setup.store.cursor("belment", stream).await.unwrap().expect("the spans read moved the cursor");
    let cursor: jiff::Timestamp = cursor.parse().unwrap();
    assert!(cursor < jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_hours(24)).unwrap(), "{cursor}");
    let stored = setup.store.order_count().await.unwrap();
    assert!(stored > 0 && stored < 6_000, "{stored}");

    // The next run reads from there: a part of the 600 pages, not all.
    let resumed = Arc::new(Watching::new(shoptima(&setup, 10), Duration::ZERO));
    let mut shop = common::shop_sharing(resumed.clone(), RetryPolicy::default());
    shop.refresh_window = jiff::SignedDuration::from_hours(1);
    shop.sync_from = sync_from;
    sync_shop(&setup.store, &shop, &|_| {}).await.unwrap();
    assert_eq!(setup.store.order_count().await.unwrap(), 6_000);
    let pages = resumed.asked.lock().unwrap().len();
    assert!(pages < 450, "the next run read {pages} pages");
}
