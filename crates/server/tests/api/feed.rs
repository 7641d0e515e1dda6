//! `GET /api/v1/events`: commit order, resume, long polling.

use crate::{Api, order};
use orderhub_model::OrderStatus;
use orderhub_server::auth::Scope;
use std::time::{Duration, Instant};

const T0: i64 = 1_700_000_000;

#[tokio::test]
async fn the_feed_is_in_commit_order_and_resumes_without_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    let key = api.key(Scope::Read, false).await;
    let batch: Vec<_> = (0..5).map(|i| order(&format!("F-{i}"), T0 + i, T0 + i)).collect();
    api.store.write_batch("belment", &batch, &[], None).await.unwrap();
    let mut changed = batch[2].clone();
    changed.status = OrderStatus::Shipped;
    changed.updated_at = Some(jiff::Timestamp::from_second(T0 + 100).unwrap());
    api.store.write_batch("belment", &[changed], &[], None).await.unwrap();

    let (status, page) = api.get(&key, "/api/v1/events?limit=4").await;
    assert_eq!(status, 200);
    let events = page["events"].as_array().unwrap();
    assert_eq!(events.len(), 4);
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(events[0]["kind"], "created");
    assert_eq!(events[0]["platform"], "shoptima");
    assert_eq!(events[0]["shop"], "belment");
    assert_eq!(page["next_after"], seqs[3]);

    let (_, rest) = api.get(&key, &format!("/api/v1/events?after={}", seqs[3])).await;
    let rest = rest["events"].as_array().unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(rest[1]["kind"], "changed");
    assert_eq!(rest[1]["order_id"], "shoptima:belment:F-2");
    let status_change = rest[1]["changes"].as_array().unwrap().iter().find(|c| c["field"] == "status").unwrap();
    assert_eq!((&status_change["from"], &status_change["to"]), (&"awaiting_shipment".into(), &"shipped".into()));
    let last = rest[1]["seq"].as_i64().unwrap();
    let (_, nothing) = api.get(&key, &format!("/api/v1/events?after={last}")).await;
    assert_eq!(nothing["events"].as_array().unwrap().len(), 0);
    assert_eq!(nothing["next_after"], last);
}

#[tokio::test]
async fn a_long_poll_sees_a_change_within_a_moment_of_its_commit() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    let key = api.key(Scope::Read, false).await;
    let store = api.store.clone();
    let writer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let committed = Instant::now();
        store.write_batch("belment", &[order("LP-1", T0, T0)], &[], None).await.unwrap();
        committed
    });
    let asked = Instant::now();
    let (status, page) = api.get(&key, "/api/v1/events?after=0&wait=30").await;
    let answered = Instant::now();
    let committed = writer.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(page["events"][0]["order_id"], "shoptima:belment:LP-1");
    assert!(answered.duration_since(asked) >= Duration::from_millis(600), "answered before the change");
    // Answered for the change, not at the end of its wait (30 s): a loaded
    // machine may take its time to run the answer, never that long.
    let delay = answered.saturating_duration_since(committed);
    assert!(delay < Duration::from_secs(10), "seen {delay:?} after the commit");

    // Nothing new: the poll ends when its wait does, with no events.
    let asked = Instant::now();
    let (_, page) = api.get(&key, "/api/v1/events?after=1&wait=1").await;
    assert!(page["events"].as_array().unwrap().is_empty());
    assert!(asked.elapsed() >= Duration::from_millis(900));
}
