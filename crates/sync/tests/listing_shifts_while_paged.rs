//! An order that leaves a listing while it is paged shifts every later order up
//! by one: the first order of the next page slides onto a page already read.
//! The engine sees the listing's `total` move and reads the window again, so no
//! order is lost. Against the Shoptima simulator over real HTTP.

mod common;

use common::Meddling;
use orderhub_connectors::{ListQuery, OrderPage};
use orderhub_sync::sync_shop;
use std::collections::HashSet;
use std::sync::Mutex;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_leaving_the_listing_mid_paging_does_not_hide_another() {
    let common::Setup { sim, store, connector: inner, running: _running, dir: _dir } = common::setup(500, 5).await;
    // After page 1 of the non-refund listing, the newest order there is refunded:
    // it moves to the refund listing, and the 121st order slides onto page 1.
    let newest = sim
        .truth()
        .into_iter()
        .filter(|o| o["is_refund"] == 0)
        .max_by_key(|o| (o["order_time"].as_i64(), o["order_num"].as_str().map(String::from)))
        .unwrap();
    let number = newest["order_num"].as_str().unwrap().to_string();
    let meddling_sim = sim.clone();
    let connector = Meddling {
        inner,
        // Partitions are read at the same time: after page 1 of the first.
        after_page: Mutex::new(Some(Box::new(move |query: &ListQuery, _: &OrderPage| {
            if (query.partition, query.page) != (0, 1) {
                return false;
            }
            assert!(meddling_sim.mutate(&number, |o| {
                o.is_refund = 1;
                o.refund_type = 1;
            }));
            true
        }))),
    };
    let shop = common::shop(Box::new(connector), Default::default());
    let report = sync_shop(&store, &shop, &|_| {}).await.unwrap();

    let truth: HashSet<String> = sim.truth().iter().map(|o| o["order_num"].as_str().unwrap().to_string()).collect();
    let mut stored = HashSet::new();
    store
        .for_each_order(&Default::default(), |o| {
            stored.insert(o.order_number);
            Ok::<_, orderhub_store::StoreError>(())
        })
        .await
        .unwrap();
    let missing: Vec<_> = truth.difference(&stored).collect();
    assert!(missing.is_empty(), "missing after one sync: {missing:?}");
    assert_eq!(stored.len(), 500);
    assert_eq!(report.rereads, 1, "the shifted window was read again");
}
