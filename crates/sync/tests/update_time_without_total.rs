//! Westmonth lists by update time and gives no total. An order updated while
//! its span is paged leaves the listing and moves every later order up a
//! place; the engine sees that the order it read has been updated past the
//! run's upper bound, reads the span again, and loses nothing. Over real HTTP.

mod common;

use common::Meddling;
use jiff::Timestamp;
use orderhub_connectors::{ListQuery, OrderPage};
use orderhub_sandbox::{WestmonthConfig, WestmonthSim, serve};
use orderhub_store::{Store, StoreError};
use orderhub_sync::sync_shop;
use std::collections::HashSet;
use std::sync::Mutex;

async fn stored_numbers(store: &Store) -> HashSet<String> {
    let mut stored = HashSet::new();
    store
        .for_each_order(&Default::default(), |o| {
            stored.insert(o.order_number);
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
    stored
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_updated_mid_paging_does_not_hide_another() {
    let config = WestmonthConfig { orders: 450, seed: 3, ..WestmonthConfig::default() };
    let sim = WestmonthSim::new(&config);
    let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("w.db").display())).await.unwrap();

    // The list answers by id: the first order of its span's page 1 is the lowest id.
    let first = sim.truth().into_iter().min_by_key(|o| o["id"].as_i64()).unwrap();
    let number = first["number"].as_str().unwrap().to_string();
    let meddling_sim = sim.clone();
    let connector = Meddling {
        // Pages of 20: 23 of them, too few to split; read as one window.
        inner: common::paged_connector(
            orderhub_connectors::westmonth::PLATFORM,
            &running.base_url,
            &config.token,
            Some(20),
        ),
        // Spans are read at the same time: after the page that holds it.
        after_page: Mutex::new(Some(Box::new(move |_: &ListQuery, page: &OrderPage| {
            let read = page.orders.iter().flatten().any(|order| order.order_number == number);
            if !read {
                return false;
            }
            // Updated a minute from now: past the window's end, out of the listing.
            let later = Timestamp::now().as_second() + 60;
            assert!(meddling_sim.mutate(&number, |o| {
                o.status = "cancelled".into();
                o.updated_at = later;
            }));
            true
        }))),
    };
    let shop = common::shop(Box::new(connector), Default::default());
    let report = sync_shop(&store, &shop, &|_| {}).await.unwrap();

    let truth: HashSet<String> = sim.truth().iter().map(|o| o["number"].as_str().unwrap().to_string()).collect();
    let stored = stored_numbers(&store).await;
    let missing: Vec<_> = truth.difference(&stored).collect();
    assert!(missing.is_empty(), "missing after one sync: {missing:?}");
    assert_eq!(report.rereads, 1, "the window was read again");
    assert!(store.cursor("belment", "updated:all").await.unwrap().is_some(), "the cursor moved");

    // A quiet platform costs one call more than its pages: the check.
    let report = sync_shop(&store, &shop, &|_| {}).await.unwrap();
    assert_eq!(report.rereads, 0);
    assert_eq!(report.orders.new, 0);
}
