//! Transient failures (HTTP 500, an answer cut off in transit) are retried with
//! backoff and the sync ends complete; when they outlast the retries the run
//! fails with the cause, and nothing half-read moves the cursor.

mod common;

use orderhub_connectors::ErrorKind;
use orderhub_sandbox::FaultKind;
use orderhub_sync::{RetryPolicy, sync_shop};
use std::time::Duration;

fn quick_retries(max_retries: usize) -> RetryPolicy {
    RetryPolicy { max_retries, min_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_are_retried_and_the_sync_completes() {
    let common::Setup { sim, store, connector, running: _running, dir: _dir } = common::setup(300, 13).await;
    let shop = common::shop(connector, quick_retries(5));
    sim.faults().fail_next("list", FaultKind::ServerError(500), 1);
    sim.faults().fail_next("list", FaultKind::Truncated, 1);
    sim.faults().fail_next("list", FaultKind::ServerError(500), 1);
    let report = sync_shop(&store, &shop, &|_| {}).await.unwrap();
    assert_eq!(report.retries, 3);
    assert_eq!(report.orders.new, 300);
    assert_eq!(store.order_count().await.unwrap(), 300);
    assert_eq!(sim.requests()["GET /order"], report.api_calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_outlasting_the_retries_fail_the_run_without_moving_the_cursor() {
    let common::Setup { sim, store, connector, running: _running, dir: _dir } = common::setup(300, 13).await;
    let shop = common::shop(connector, quick_retries(2));
    // Both partitions' first pages are asked for at once: six failures
    // outlast the three attempts of each.
    sim.faults().fail_next("list", FaultKind::ServerError(500), 6);
    let error = sync_shop(&store, &shop, &|_| {}).await.unwrap_err();
    assert_eq!(error.connector_error().map(|e| e.kind()), Some(ErrorKind::Transient), "{error}");
    assert!(error.to_string().contains("HTTP 500"), "{error}");
    assert_eq!(store.order_count().await.unwrap(), 0);
    assert_eq!(store.cursor("belment", "created:is_refund=0").await.unwrap(), None);
    let runs = store.runs(Some("belment"), 1).await.unwrap();
    assert_eq!(runs[0].outcome, "failed");
    assert!(runs[0].error.as_deref().is_some_and(|e| e.contains("HTTP 500")));

    // The next run, with the platform healthy again, completes.
    let report = sync_shop(&store, &shop, &|_| {}).await.unwrap();
    assert_eq!(report.orders.new, 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_pauses_scheduled_syncs_until_a_run_ends_well() {
    let common::Setup { sim: _sim, store, running, dir: _dir, .. } = common::setup(20, 13).await;
    let wrong = common::shop(
        common::connector(orderhub_connectors::shoptima::PLATFORM, &running.base_url, "wrong"),
        quick_retries(2),
    );
    let error = sync_shop(&store, &wrong, &|_| {}).await.unwrap_err();
    assert_eq!(error.connector_error().map(|e| e.kind()), Some(ErrorKind::Auth));
    let (reason, _) = store.paused("belment").await.unwrap().expect("paused");
    assert!(reason.contains("refused the token"), "{reason}");
    let hour = jiff::SignedDuration::from_hours(1);
    assert!(!orderhub_sync::due_for_scheduled_sync(&store, "belment", hour).await.unwrap());
    assert!(orderhub_sync::due_for_scheduled_sync(&store, "belment", jiff::SignedDuration::ZERO).await.unwrap());

    let right = common::shop(
        common::connector(
            orderhub_connectors::shoptima::PLATFORM,
            &running.base_url,
            &orderhub_sandbox::ShoptimaConfig::default().token,
        ),
        quick_retries(2),
    );
    sync_shop(&store, &right, &|_| {}).await.unwrap();
    assert_eq!(store.paused("belment").await.unwrap(), None);
}
