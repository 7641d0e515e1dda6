//! `orderhub serve`: the API answers while the scheduler syncs each shop on
//! its `sync_every`, so a change on the platform shows in the API by itself.

mod common;

use common::{Harness, TOKEN};
use serde_json::Value;
use std::time::{Duration, Instant};

async fn poll<F: Fn(&Value) -> bool>(url: &str, key: &str, done: F) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = reqwest::Client::new();
    loop {
        if let Ok(response) = client.get(url).bearer_auth(key).send().await
            && let Ok(body) = response.json::<Value>().await
            && done(&body)
        {
            return body;
        }
        assert!(Instant::now() < deadline, "{url} did not reach the expected state in 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_keeps_the_api_up_to_date() {
    orderhub_connectors::http::install_crypto_provider();
    let h = Harness::start(200, 37).await;
    let config = h.write_config(TOKEN, &h.base_url);
    let text = std::fs::read_to_string(&config).unwrap() + "sync_every = \"1s\"\n";
    std::fs::write(&config, text).unwrap();

    // A key from the CLI: printed once on stdout.
    let created = tokio::process::Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .args(["keys", "create", "--scope", "read", "--name", "serve-test"])
        .current_dir(h.dir.path())
        .output()
        .await
        .unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let key = String::from_utf8(created.stdout).unwrap().trim().to_string();
    assert!(key.starts_with("ohk_") && key.len() == 68, "{key}");

    let (mut child, base) = common::start_serve(h.dir.path(), &[]).await;
    // Without the key: a JSON 401.
    let refused = reqwest::get(format!("{base}/api/v1/orders")).await.unwrap();
    assert_eq!(refused.status().as_u16(), 401);

    let listed = poll(&format!("{base}/api/v1/orders?limit=500"), &key, |b| {
        b["orders"].as_array().is_some_and(|o| o.len() == 200)
    })
    .await;
    assert_eq!(listed["orders"].as_array().unwrap().len(), 200);

    let target = h.sim.truth().into_iter().find(|o| o["status"] == 1 && o["is_refund"] == 0).unwrap();
    let number = target["order_num"].as_str().unwrap().to_string();
    h.sim.mutate(&number, |o| {
        o.status = 2;
        o.tracking_number = Some("SF-SERVE-1".into());
    });
    let order =
        poll(&format!("{base}/api/v1/orders/shoptima:belment:{number}"), &key, |b| b["status"] == "shipped").await;
    assert_eq!(order["shipments"][0]["tracking_number"], "SF-SERVE-1");
    let events = poll(&format!("{base}/api/v1/orders/shoptima:belment:{number}/events"), &key, |b| {
        b["events"].as_array().is_some()
    })
    .await;
    assert_eq!(events["events"].as_array().unwrap().len(), 2);
    child.kill().await.unwrap();
}
