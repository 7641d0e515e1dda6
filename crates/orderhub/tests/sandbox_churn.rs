//! All five platforms at once, through `orderhub sandbox` run as its own
//! process: sync, let orders move along their lifecycle on every platform
//! (the admin churn endpoint), sync again, and `orderhub verify` finds the
//! store equal to every platform.

mod common;

use common::{assert_success, run_orderhub, stderr, stdout};
use serde_json::Value;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_churn_one_sync_brings_every_platform_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sandbox.toml");
    let database = format!("sqlite://{}", dir.path().join("s.db").display());
    let _sandbox = tokio::process::Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .args(["sandbox", "--orders", "400", "--seed", "5", "--database", &database, "--write-config"])
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..600 {
        if config.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = std::fs::read_to_string(&config).unwrap();
    let parsed: toml::Table = toml::from_str(&text).unwrap();
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
