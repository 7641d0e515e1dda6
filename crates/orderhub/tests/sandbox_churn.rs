//! All five platforms at once, through `orderhub sandbox` run as its own
//! process: sync, let orders move along their lifecycle on every platform
//! (the admin churn endpoint), sync again, and `orderhub verify` finds the
//! store equal to every platform. The churn test runs on SQLite and on
//! PostgreSQL (a fresh database, dropped afterwards; see `orderhub_store::testing`).

mod common;

use common::{assert_success, run_orderhub, spawn_sandbox, stderr, stdout};
use serde_json::Value;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_churn_one_sync_brings_every_platform_up_to_date() {
    let db = orderhub_store::testing::TestDatabase::sqlite();
    churn_then_verify(&db.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_churn_one_sync_brings_every_platform_up_to_date_on_postgres() {
    let Some(db) = orderhub_store::testing::TestDatabase::postgres("after_churn_one_sync…_on_postgres").await else {
        return;
    };
    churn_then_verify(&db.url).await;
    // Every order once: the store's count is the platforms' (400 each).
    let store = db.open().await;
    assert_eq!(store.order_count().await.unwrap(), 5 * 400);
    store.close().await;
}

async fn churn_then_verify(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (_sandbox, parsed) = spawn_sandbox(dir.path(), &["--orders", "400", "--seed", "5"], Some(database)).await;
    let shops = parsed["shops"].as_array().unwrap();
    assert_eq!(shops.len(), 5);
    let origin = |shop: &toml::Value| shop["base_url"].as_str().unwrap().trim_end_matches("/api/v1").to_string();
    orderhub_connectors::http::install_crypto_provider();
    let client = reqwest::Client::new();

    // VanMall has no list: hand over its order numbers, as its notifications would.
    let vanmall = shops.iter().find(|s| s["platform"].as_str() == Some("vanmall")).unwrap();
    let truth: Value =
        client.get(format!("{}/_sandbox/truth", origin(vanmall))).send().await.unwrap().json().await.unwrap();
    let numbers: Vec<String> =
        truth["orders"].as_array().unwrap().iter().map(|o| o["order_number"].as_str().unwrap().to_string()).collect();
    let mut args = vec!["--config", "sandbox.toml", "fetch", "--shop", "fecshop"];
    args.extend(numbers.iter().map(String::as_str));
    assert_success(&run_orderhub(dir.path(), &args).await);
    assert_success(&run_orderhub(dir.path(), &["--config", "sandbox.toml", "sync", "--once"]).await);

    // Orders move on every platform.
    let mut churned = 0;
    for shop in shops {
        let answer: Value = client
            .post(format!("{}/_sandbox/churn?count=60", origin(shop)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        churned += answer["changed"].as_array().unwrap().len();
    }
    assert!(churned > 100, "{churned}");
    // A run leaves the last couple of seconds' changes to the next one.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let everything = ["--config", "sandbox.toml", "verify", "--from", "2000-01-01T00:00:00Z", "--json"];
    let out = run_orderhub(dir.path(), &everything).await;
    assert_eq!(out.status.code(), Some(1), "the store is behind until it syncs");

    let out = run_orderhub(dir.path(), &["--config", "sandbox.toml", "sync", "--once", "--json"]).await;
    assert_success(&out);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let changed: u64 =
        report["shops"].as_array().unwrap().iter().map(|s| s["report"]["orders"]["changed"].as_u64().unwrap()).sum();
    assert!(changed > 0);
    let out = run_orderhub(dir.path(), &everything).await;
    assert!(out.status.success(), "verify after the sync: {}\n{}", stdout(&out), stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    for shop in report["shops"].as_array().unwrap() {
        assert_eq!(shop["missing"], serde_json::json!([]), "{shop}");
        assert_eq!(shop["stale"], serde_json::json!([]), "{shop}");
    }
}

/// `orderhub sandbox --examples` serves the documents' own example orders, and a
/// sync stores exactly those: the connectors read the documents' answers as the
/// documents print them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_examples_data_set_syncs_to_the_documents_orders() {
    let dir = tempfile::tempdir().unwrap();
    let (_sandbox, _) = spawn_sandbox(dir.path(), &["--examples"], None).await;
    assert_success(&run_orderhub(dir.path(), &["--config", "sandbox.toml", "sync", "--once"]).await);
    let out = run_orderhub(dir.path(), &["--config", "sandbox.toml", "orders", "list", "--json"]).await;
    assert_success(&out);
    let listed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut numbers: Vec<String> = listed
        .as_array()
        .or_else(|| listed["orders"].as_array())
        .unwrap()
        .iter()
        .map(|o| format!("{} {}", o["platform"].as_str().unwrap(), o["order_number"].as_str().unwrap()))
        .collect();
    numbers.sort();
    assert_eq!(
        numbers,
        [
            "damaijia 13213213123",
            "damaijia 4879354354618346764",
            "shoptima asda-20200520-001",
            "shoptima asda-20200521-001",
            "shoptima asda-20200521-004",
            "westmonth aOP2505071626702",
            "wshoto 1821092913322460001",
            "wshoto 1821092913377060002",
        ]
    );
}
