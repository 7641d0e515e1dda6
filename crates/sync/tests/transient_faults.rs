//! Transient failures (HTTP 500, an answer cut off in transit) are retried with
//! backoff and the sync ends complete; when they outlast the retries the run
//! fails with the cause, and nothing half-read moves the cursor.

use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::{ErrorKind, Secret, ShopSettings};
use orderhub_model::Platform;
use orderhub_sandbox::{ListFault, Running, ShoptimaConfig, ShoptimaSim, serve};
use orderhub_store::Store;
use orderhub_sync::{RetryPolicy, ShopSync, sync_shop};
use std::time::Duration;

async fn setup(orders: u64, max_retries: usize) -> (ShoptimaSim, Running, tempfile::TempDir, Store, ShopSync) {
    let config = ShoptimaConfig { orders, seed: 13, ..ShoptimaConfig::default() };
    let sim = ShoptimaSim::new(&config);
    let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "/api/v1").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("f.db").display())).await.unwrap();
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
    let shop = ShopSync {
        connector,
        sync_from: Timestamp::now().checked_sub(SignedDuration::from_hours(24 * 60)).unwrap(),
        refresh_window: SignedDuration::from_hours(24 * 30),
        overlap: SignedDuration::from_mins(10),
        retry: RetryPolicy { max_retries, min_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20) },
    };
    (sim, running, dir, store, shop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_are_retried_and_the_sync_completes() {
    let (sim, _running, _dir, store, shop) = setup(300, 5).await;
    sim.fail_next_lists(&[ListFault::ServerError, ListFault::Truncated, ListFault::ServerError]);
    let report = sync_shop(&store, &shop, &|_, _, _| {}).await.unwrap();
    assert_eq!(report.retries, 3);
    assert_eq!(report.orders.new, 300);
    assert_eq!(store.order_count().await.unwrap(), 300);
    assert_eq!(sim.requests()["GET /order"], report.api_calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_outlasting_the_retries_fail_the_run_without_moving_the_cursor() {
    let (sim, _running, _dir, store, shop) = setup(300, 2).await;
    sim.fail_next_lists(&[ListFault::ServerError; 3]);
    let error = sync_shop(&store, &shop, &|_, _, _| {}).await.unwrap_err();
    assert_eq!(error.connector_error().map(|e| e.kind()), Some(ErrorKind::Transient), "{error}");
    assert!(error.to_string().contains("HTTP 500"), "{error}");
    assert_eq!(store.order_count().await.unwrap(), 0);
    assert_eq!(store.cursor("belment", "created:is_refund=0").await.unwrap(), None);
    let runs = store.runs(Some("belment"), 1).await.unwrap();
    assert_eq!(runs[0].outcome, "failed");
    assert!(runs[0].error.as_deref().is_some_and(|e| e.contains("HTTP 500")));

    // The next run, with the platform healthy again, completes.
    let report = sync_shop(&store, &shop, &|_, _, _| {}).await.unwrap();
    assert_eq!(report.orders.new, 300);
}
