//! Several `orderhub serve` workers on one PostgreSQL database share the work:
//! three workers, thirty shops on the sandbox's simulators, one worker killed
//! (SIGKILL) mid-sync. The others take its shops over once its leases lapse;
//! every order ends up stored once, as the platform holds it, and shipments
//! queued through two different workers each reach the platform exactly once.
//! A webhook receives every order's event, from whichever worker holds its lease.
//!
//! Skipped loudly without a reachable PostgreSQL (failed with `CI=true`).

mod common;

use common::{assert_success, run_orderhub, stderr, stdout};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SHOPS: usize = 30;
const ORDERS_PER_PLATFORM: u64 = 300;

async fn wait_for<F: AsyncFnMut() -> bool>(what: &str, limit: Duration, mut done: F) {
    let deadline = Instant::now() + limit;
    while !done().await {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_share_thirty_shops_and_survive_a_kill() {
    let Some(db) = orderhub_store::testing::TestDatabase::postgres("three_workers_share_thirty_shops…").await else {
        return;
    };
    orderhub_connectors::http::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let sandbox_config = dir.path().join("sandbox.toml");
    let _sandbox = tokio::process::Command::new(env!("CARGO_BIN_EXE_orderhub"))
        // Every answer 700 ms late: a shop's sync takes seconds however fast
        // the machine is, so the kill below comes while the shops are syncing.
        .args(["sandbox", "--orders", &ORDERS_PER_PLATFORM.to_string(), "--seed", "23", "--faults", "slow:700"])
        .arg("--write-config")
        .arg(&sandbox_config)
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    wait_for("the sandbox's config", Duration::from_secs(60), async || sandbox_config.exists()).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sandbox: toml::Table = toml::from_str(&std::fs::read_to_string(&sandbox_config).unwrap()).unwrap();

    // Thirty shops over the four simulators that list orders: several shops
    // read the same simulator, and each stores its own copy of its orders.
    let listing: Vec<&toml::Value> =
        sandbox["shops"].as_array().unwrap().iter().filter(|s| s["platform"].as_str() != Some("vanmall")).collect();
    assert_eq!(listing.len(), 4);
    let client = reqwest::Client::new();
    let origin = |shop: &toml::Value| shop["base_url"].as_str().unwrap().trim_end_matches("/api/v1").to_string();
    let mut held = Vec::new();
    for shop in &listing {
        let truth: Value =
            client.get(format!("{}/_sandbox/truth", origin(shop))).send().await.unwrap().json().await.unwrap();
        held.push(truth["orders"].as_array().unwrap().len() as i64);
    }
    let mut shops = Vec::new();
    let mut expected = 0;
    for i in 0..SHOPS {
        let mut shop = listing[i % 4].as_table().unwrap().clone();
        let platform = shop["platform"].as_str().unwrap().to_string();
        shop.insert("key".into(), toml::Value::String(format!("{platform}-{i:02}")));
        shop.insert("sync_every".into(), toml::Value::String("1s".into()));
        shops.push(toml::Value::Table(shop));
        expected += held[i % 4];
    }
    // A webhook receiver: the sequence numbers of every event delivered.
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
    let receiver = {
        let received = received.clone();
        axum::Router::new().route(
            "/hook",
            axum::routing::post(move |axum::Json(body): axum::Json<Value>| async move {
                let seqs = body["events"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap());
                received.lock().unwrap().extend(seqs);
                "ok"
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });

    let mut config = toml::Table::new();
    config
        .insert("database".into(), toml::Value::Table(toml::Table::from_iter([("url".into(), db.url.clone().into())])));
    config.insert("shops".into(), toml::Value::Array(shops));
    let webhook = toml::Table::from_iter([
        ("name".to_string(), toml::Value::from("erp")),
        ("url".to_string(), hook_url.into()),
        ("secret".to_string(), "test-secret".into()),
    ]);
    config.insert("webhooks".into(), toml::Value::Array(vec![toml::Value::Table(webhook)]));
    std::fs::write(dir.path().join("workers.toml"), toml::to_string(&config).unwrap()).unwrap();

    let out = run_orderhub(dir.path(), &["--config", "workers.toml", "keys", "create", "--scope", "write"]).await;
    assert_success(&out);
    let key = stdout(&out).trim().to_string();

    let mut workers = Vec::new();
    for _ in 0..3 {
        workers.push(common::start_serve(dir.path(), &["--config", "workers.toml"]).await);
    }
    let store = db.open().await;

    // Kill the first worker while the shops are being synced.
    wait_for("the first orders", Duration::from_secs(60), async || store.order_count().await.unwrap() > 500).await;
    let at_kill = store.order_count().await.unwrap();
    workers[0].0.start_kill().unwrap();
    workers[0].0.wait().await.unwrap();
    assert!(at_kill < expected, "the kill came after the sync ended ({at_kill} of {expected})");

    // The other two finish, the dead worker's shops included.
    wait_for("every order of every shop", Duration::from_secs(120), async || {
        store.order_count().await.unwrap() == expected
    })
    .await;
    let out =
        run_orderhub(dir.path(), &["--config", "workers.toml", "verify", "--from", "2000-01-01T00:00:00Z", "--json"])
            .await;
    assert!(out.status.success(), "verify: {}\n{}", stdout(&out), stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["shops"].as_array().unwrap().len(), SHOPS);
    for shop in report["shops"].as_array().unwrap() {
        assert_eq!((&shop["missing"], &shop["stale"]), (&json!([]), &json!([])), "{shop}");
    }
    // Each order once: one `created` event each.
    assert_eq!(
        store.events_after(0, 100_000).await.unwrap().iter().filter(|e| e.kind == "created").count() as i64,
        expected
    );

    // The webhook got every event. One worker delivers at a time; a batch may
    // come twice only if the killed worker sent it and died before noting it.
    wait_for("every event at the webhook", Duration::from_secs(60), async || {
        received.lock().unwrap().iter().collect::<std::collections::HashSet<_>>().len() as i64 >= expected
    })
    .await;
    let seqs = received.lock().unwrap().clone();
    let distinct: std::collections::HashSet<i64> = seqs.iter().copied().collect();
    assert_eq!(distinct.len() as i64, expected);
    assert!(
        seqs.len() - distinct.len() <= orderhub_sync::WEBHOOK_BATCH as usize,
        "{} repeats",
        seqs.len() - distinct.len()
    );

    // A shop is never synced by two workers at once: its runs do not overlap.
    // The killed worker's last runs never ended: a later run closes them as
    // `interrupted` once their leases lapse, stamped when it noticed (which
    // may be after another worker took the shop over), and they are left out.
    let mut finished_runs = 0;
    for shop in report["shops"].as_array().unwrap() {
        let key = shop["shop"].as_str().unwrap();
        let mut runs: Vec<_> =
            store.runs(Some(key), 10_000).await.unwrap().into_iter().filter(|r| r.ended_at.is_some()).collect();
        runs.retain(|r| r.outcome != "interrupted");
        runs.sort_by_key(|r| r.started_at);
        for pair in runs.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(
                b.started_at >= a.ended_at,
                "{key}: runs {} ({}) and {} ({}) overlap",
                a.id,
                a.outcome,
                b.id,
                b.outcome
            );
        }
        finished_runs += runs.len();
    }
    assert!(finished_runs >= SHOPS, "{finished_runs} runs");

    // Shipments queued through both living workers, each sent once.
    let shoptima_shop = "shoptima-00";
    let listed: Value = client
        .get(format!("{}/api/v1/orders?shop={shoptima_shop}&status=awaiting_shipment&limit=10", workers[1].1))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<String> =
        listed["orders"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 10);
    for (n, id) in ids.iter().enumerate() {
        let base = &workers[1 + n % 2].1;
        let answer = client
            .post(format!("{base}/api/v1/orders/{id}/shipments"))
            .bearer_auth(&key)
            .json(&json!({"tracking_number": format!("SF{n:08}"), "carrier_code": "SF"}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 202, "{}", answer.text().await.unwrap());
    }
    wait_for("every shipment done", Duration::from_secs(60), async || {
        let mut done = 0;
        for id in &ids {
            done += store.jobs_of_order(id).await.unwrap().iter().filter(|j| j.state == "done").count();
        }
        done == ids.len()
    })
    .await;
    let shoptima = listing.iter().find(|s| s["platform"].as_str() == Some("shoptima")).unwrap();
    let stats: Value =
        client.get(format!("{}/_sandbox/stats", origin(shoptima))).send().await.unwrap().json().await.unwrap();
    let sent: u64 = stats["requests"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(endpoint, _)| endpoint.contains("shippingOrders"))
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    assert_eq!(sent, ids.len() as u64, "each shipment reaches the platform once: {stats}");
    store.close().await;
}
