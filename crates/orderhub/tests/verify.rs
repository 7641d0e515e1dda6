//! `orderhub verify`: finds every order the store is missing or holds stale,
//! exits 1 while there are gaps, and `--repair` closes them.

mod common;

use common::{Harness, TOKEN, assert_success, stderr, stdout};
use serde_json::Value;
use std::collections::HashSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_reports_missing_and_stale_orders_and_repair_closes_the_gaps() {
    let h = Harness::start(600, 19).await;
    let truth = h.sim.truth();
    // Sync only the newer half: the older orders are what a store that started
    // late (or lost orders) is missing.
    let mut times: Vec<i64> = truth.iter().map(|o| o["order_time"].as_i64().unwrap()).collect();
    times.sort();
    let cut = times[times.len() / 2];
    let config = h.write_config(TOKEN, &h.base_url);
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "sync_from = \"2000-01-01T00:00:00Z\"",
        &format!("sync_from = \"{}\"", jiff::Timestamp::from_second(cut).unwrap()),
    );
    std::fs::write(&config, text).unwrap();
    assert_success(&h.orderhub(&["sync", "--once"]).await);
    let expected_missing: HashSet<String> = truth
        .iter()
        .filter(|o| o["order_time"].as_i64().unwrap() < cut)
        .map(|o| o["order_num"].as_str().unwrap().into())
        .collect();

    // Three stored orders change on the platform, unseen by the store.
    let changed: Vec<String> = truth
        .iter()
        .filter(|o| o["order_time"].as_i64().unwrap() >= cut && o["status"] == 1 && o["is_refund"] == 0)
        .take(3)
        .map(|o| o["order_num"].as_str().unwrap().to_string())
        .collect();
    for number in &changed {
        h.sim.mutate(number, |o| {
            o.status = 2;
            o.tracking_number = Some(format!("SF{number}"));
        });
    }

    let everything = ["verify", "--from", "2000-01-01T00:00:00Z", "--json"];
    let out = h.orderhub(&everything).await;
    assert_eq!(out.status.code(), Some(1), "gaps exit 1: {}", stderr(&out));
    assert!(stderr(&out).contains("run `orderhub verify --repair`"), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let shop = &report["shops"][0];
    assert_eq!(shop["on_platform"], truth.len());
    let missing: HashSet<String> =
        shop["missing"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().into()).collect();
    assert_eq!(missing, expected_missing);
    let mut stale: Vec<String> = shop["stale"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().into()).collect();
    stale.sort();
    let mut expected_stale = changed.clone();
    expected_stale.sort();
    assert_eq!(stale, expected_stale);

    let out = h.orderhub(&["verify", "--from", "2000-01-01T00:00:00Z", "--repair", "--json"]).await;
    assert_success(&out);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["shops"][0]["repaired"]["new"], expected_missing.len());
    assert_eq!(report["shops"][0]["repaired"]["changed"], 3);

    let out = h.orderhub(&everything).await;
    assert_success(&out);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["shops"][0]["missing"], serde_json::json!([]));
    assert_eq!(report["shops"][0]["stale"], serde_json::json!([]));
    assert_eq!(h.export().await.len(), truth.len());
}
