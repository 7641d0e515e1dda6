//! A window's next pages (up to `READ_AHEAD` of them) are asked for while the
//! current one is handed to the writer, and no page is asked for that a read
//! page by page would not ask.

mod common;

use async_trait::async_trait;
use orderhub_connectors::{
    BadOrder, Capabilities, Connector, ConnectorError, ListQuery, OrderPage, ShipmentOutcome, ShipmentRequest,
};
use orderhub_model::{Order, Platform};
use orderhub_sync::{READ_AHEAD, RetryPolicy, sync_shop};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Notes each listing page asked for (not the engine's clock probe, an empty
/// window), and what its answer said of the pages after it.
struct Watching {
    inner: Box<dyn Connector>,
    seen: Arc<Mutex<Seen>>,
}

/// A page of a listing: (partition, page number).
type PageId = (usize, u32);

#[derive(Default)]
struct Seen {
    asked: Vec<PageId>,
    /// Each answered page: whether it was its window's last, and how many
    /// pages the answer said follow it.
    answered: HashMap<PageId, (bool, Option<u64>)>,
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
        let id = (query.partition, query.page);
        self.seen.lock().unwrap().asked.push(id);
        let page = self.inner.list_page(query).await?;
        self.seen.lock().unwrap().answered.insert(id, (page.last_page(), page.pages_after));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_pages_are_asked_for_while_the_current_one_is_handed_over() {
    // Shoptima: its answers say which page is the last, so how many follow.
    let setup = common::setup(2_000, 11).await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let connector = Watching { inner: setup.connector, seen: Arc::clone(&seen) };
    let shop = common::shop(Box::new(connector), RetryPolicy::default());
    // Called once a page is handed to the writer, before the engine asks for
    // another itself. Unless that page was its window's last, waits (up to
    // 5 s) for the pages after it to be asked for, as many as follow it up to
    // READ_AHEAD: read page by page, or fewer ahead, they are not until this
    // returns, and the wait runs out.
    let handed: Mutex<Vec<(PageId, bool)>> = Mutex::new(Vec::new());
    let progress = |_: &str, _: u64, _: Option<u64>| {
        let mut handed = handed.lock().unwrap();
        // Pages are handed in order: the first partition's, then the next one's.
        let page = match handed.last() {
            None => seen.lock().unwrap().asked[0],
            Some(&((partition, page), _)) if seen.lock().unwrap().answered[&(partition, page)].0 => (partition + 1, 1),
            Some(&((partition, page), _)) => (partition, page + 1),
        };
        let (last, after) = seen.lock().unwrap().answered[&page];
        if last {
            handed.push((page, true));
            return;
        }
        let expected = after.map_or(1, |after| after.min(READ_AHEAD as u64)) as u32;
        let wanted: Vec<PageId> = (1..=expected).map(|k| (page.0, page.1 + k)).collect();
        let deadline = Instant::now() + Duration::from_secs(5);
        let ahead = loop {
            if wanted.iter().all(|id| seen.lock().unwrap().asked.contains(id)) {
                break true;
            }
            if Instant::now() > deadline {
                break false;
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        handed.push((page, ahead));
    };
    let report = sync_shop(&setup.store, &shop, &progress).await.unwrap();

    assert_eq!(report.orders.new, 2_000, "{report:?}");
    assert_eq!(setup.store.order_count().await.unwrap(), 2_000);
    let seen = seen.lock().unwrap();
    let handed = handed.into_inner().unwrap();
    // Every page but the last of its window was handed over while the pages
    // after it were being read, READ_AHEAD of them where as many followed.
    let deep = handed.iter().filter(|(page, _)| seen.answered[page].1.is_some_and(|n| n >= READ_AHEAD as u64)).count();
    assert!(READ_AHEAD > 1 && deep >= 5, "pages with {READ_AHEAD} or more after them: {handed:?}");
    assert!(handed.iter().all(|&(_, ahead)| ahead), "{handed:?}");
    // Each page asked for once, none past the last of its window, and every
    // page asked for was handed over.
    let mut asked = seen.asked.clone();
    asked.sort_unstable();
    asked.dedup();
    assert_eq!(asked.len(), seen.asked.len(), "a page asked for twice: {:?}", seen.asked);
    let mut handed_pages: Vec<PageId> = handed.iter().map(|&(page, _)| page).collect();
    handed_pages.sort_unstable();
    assert_eq!(asked, handed_pages);
    assert_eq!(report.pages, handed.len() as u64);
}
