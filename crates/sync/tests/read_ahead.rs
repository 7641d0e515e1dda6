//! A window's next page is asked for while the current one is handed to the
//! writer, and no page is asked for that a read page by page would not ask.

mod common;

use async_trait::async_trait;
use orderhub_connectors::{
    BadOrder, Capabilities, Connector, ConnectorError, ListQuery, OrderPage, ShipmentOutcome, ShipmentRequest,
};
use orderhub_model::{Order, Platform};
use orderhub_sync::{RetryPolicy, sync_shop};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Notes each listing page asked for (not the engine's clock probe, an empty
/// window), and whether its answer was the last page of its window.
struct Watching {
    inner: Box<dyn Connector>,
    seen: Arc<Mutex<Seen>>,
}

#[derive(Default)]
struct Seen {
    asked: Vec<ListQuery>,
    last: Vec<bool>,
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
        self.seen.lock().unwrap().asked.push(query.clone());
        let page = self.inner.list_page(query).await?;
        self.seen.lock().unwrap().last.push(page.last_page);
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
async fn the_next_page_is_asked_for_while_the_current_one_is_handed_over() {
    let setup = common::setup(1_000, 11).await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let connector = Watching { inner: setup.connector, seen: Arc::clone(&seen) };
    let shop = common::shop(Box::new(connector), RetryPolicy::default());
    // Called once a page is handed to the writer, before the engine asks for
    // another itself. Unless that page was its window's last, waits (up to
    // 5 s) for the next page to be asked for: read page by page, it is not
    // until this returns, and the wait runs out.
    let read_ahead: Mutex<Vec<Option<bool>>> = Mutex::new(Vec::new());
    let progress = |_: &str, _: u64, _: Option<u64>| {
        let handed = read_ahead.lock().unwrap().len() + 1;
        if seen.lock().unwrap().last[handed - 1] {
            read_ahead.lock().unwrap().push(None);
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        let ahead = loop {
            if seen.lock().unwrap().asked.len() > handed {
                break true;
            }
            if Instant::now() > deadline {
                break false;
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        read_ahead.lock().unwrap().push(Some(ahead));
    };
    let report = sync_shop(&setup.store, &shop, &progress).await.unwrap();

    let asked = seen.lock().unwrap().asked.clone();
    let read_ahead = read_ahead.into_inner().unwrap();
    assert_eq!(report.orders.new, 1_000, "{report:?}");
    assert_eq!(setup.store.order_count().await.unwrap(), 1_000);
    // Every page but the last of its window was read while the one before it
    // was handed over.
    let within: Vec<bool> = read_ahead.iter().flatten().copied().collect();
    assert!(within.len() >= 3, "several pages: {read_ahead:?}");
    assert!(within.iter().all(|&ahead| ahead), "{read_ahead:?}");
    // Each page asked for once, and none past the last of its window.
    assert_eq!(asked.len(), read_ahead.len(), "{asked:?}");
    let mut pages: Vec<(u32, usize, u32)> =
        asked.iter().map(|q| (q.from.as_second() as u32, q.partition, q.page)).collect();
    pages.dedup();
    assert_eq!(pages.len(), asked.len(), "a page asked for twice: {asked:?}");
}
