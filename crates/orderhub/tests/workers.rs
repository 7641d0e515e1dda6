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

/// `orderhub sandbox` answering every request 700 ms late, so that a shop's
/// sync takes seconds however fast the machine is and a worker can be
/// stopped mid-sync: its four listing shops and how many orders each holds.
struct Sandbox {
    process: tokio::process::Child,
    listing: Vec<toml::Value>,
    held: Vec<i64>,
}

impl Sandbox {
    async fn start(dir: &std::path::Path) -> Sandbox {
        orderhub_connectors::http::install_crypto_provider();
        let sandbox_config = dir.join("sandbox.toml");
        let process = tokio::process::Command::new(env!("CARGO_BIN_EXE_orderhub"))
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
        let listing: Vec<toml::Value> = sandbox["shops"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["platform"].as_str() != Some("vanmall"))
            .cloned()
            .collect();
        assert_eq!(listing.len(), 4);
        let mut held = Vec::new();
        for shop in &listing {
            let truth: Value =
                reqwest::get(format!("{}/_sandbox/truth", origin(shop))).await.unwrap().json().await.unwrap();
            held.push(truth["orders"].as_array().unwrap().len() as i64);
        }
        Sandbox { process, listing, held }
    }
}

/// Queues a shipment of order `id` through the worker at `base`; asserts 202.
async fn ship(client: &reqwest::Client, base: &str, key: &str, id: &str, tracking: &str, carrier: &str) {
    let answer = client
        .post(format!("{base}/api/v1/orders/{id}/shipments"))
        .bearer_auth(key)
        .json(&json!({"tracking_number": tracking, "carrier_code": carrier}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 202, "{}", answer.text().await.unwrap());
}

/// Waits until every write-back job of these orders is done.
async fn every_job_done(store: &orderhub_store::Store, ids: &[String], limit: Duration) {
    wait_for("every shipment done", limit, async || {
        let mut done = 0;
        for id in ids {
            done += store.jobs_of_order(id).await.unwrap().iter().filter(|j| j.state == "done").count();
        }
        done == ids.len()
    })
    .await;
}

/// How many shipment requests the Shoptima simulator received, and its stats.
async fn shipping_requests(listing: &[toml::Value]) -> (u64, Value) {
    let shoptima = listing.iter().find(|s| s["platform"].as_str() == Some("shoptima")).unwrap();
    let stats: Value =
        reqwest::get(format!("{}/_sandbox/stats", origin(shoptima))).await.unwrap().json().await.unwrap();
    let requests = stats["requests"].as_object().unwrap();
    let sent =
        requests.iter().filter(|(endpoint, _)| endpoint.contains("shippingOrders")).map(|(_, n)| n.as_u64().unwrap());
    (sent.sum(), stats)
}

/// A simulator's address, before its API's path.
fn origin(shop: &toml::Value) -> String {
    shop["base_url"].as_str().unwrap().trim_end_matches("/api/v1").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_share_thirty_shops_and_survive_a_kill() {
    let Some(db) = orderhub_store::testing::TestDatabase::postgres("three_workers_share_thirty_shops…").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let Sandbox { process: _sandbox, listing, held } = Sandbox::start(dir.path()).await;
    let client = reqwest::Client::new();
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
    // A webhook receiver: the sequence numbers of every order created it was
    // delivered (the feed also carries the attention list's events).
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
    let receiver = {
        let received = received.clone();
        axum::Router::new().route(
            "/hook",
            axum::routing::post(move |axum::Json(body): axum::Json<Value>| async move {
                let events = body["events"].as_array().unwrap().iter();
                let seqs = events.filter(|e| e["kind"] == "created").map(|e| e["seq"].as_i64().unwrap());
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

    // The webhook got every order's `created`. One worker delivers at a time; a
    // batch may come twice only if the killed worker sent it and died before noting it.
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
        ship(&client, &workers[1 + n % 2].1, &key, id, &format!("SF{n:08}"), "SF").await;
    }
    every_job_done(&store, &ids, Duration::from_secs(60)).await;
    let (sent, stats) = shipping_requests(&listing).await;
    assert_eq!(sent, ids.len() as u64, "each shipment reaches the platform once: {stats}");
    store.close().await;
}

/// A worker stopped by SIGTERM mid-sync and mid-write-back gives its work
/// back at once: the other worker holds each of its shops within 2 s (not
/// after the 15 s lease), its runs are closed `interrupted` as it stops, it
/// exits within 10 s, and in the end every order is stored once, as the
/// platform holds it, and each shipment reached the platform once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_stopped_by_sigterm_hands_its_shops_over_at_once() {
    let Some(db) = orderhub_store::testing::TestDatabase::postgres("a_worker_stopped_by_sigterm…").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let Sandbox { process: _sandbox, listing, held } = Sandbox::start(dir.path()).await;
    // Each listing platform twice, read a page of ten at a time: a shop's
    // sync takes tens of seconds at 700 ms an answer. Synced once an hour,
    // so that only a takeover syncs a shop a second time.
    let (mut shops, mut keys, mut expected) = (Vec::new(), Vec::new(), 0);
    for i in 0..8 {
        let mut shop = listing[i % 4].as_table().unwrap().clone();
        let key = format!("{}-{i}", shop["platform"].as_str().unwrap());
        shop.insert("key".into(), key.clone().into());
        shop.insert("sync_every".into(), "1h".into());
        shop.insert("page_size".into(), 10.into());
        shop.insert("max_in_flight".into(), 1.into());
        shops.push(toml::Value::Table(shop));
        keys.push(key);
        expected += held[i % 4];
    }
    let config = toml::Table::from_iter([
        ("database".to_string(), toml::Value::Table(toml::Table::from_iter([("url".into(), db.url.clone().into())]))),
        ("shops".to_string(), toml::Value::Array(shops)),
    ]);
    std::fs::write(dir.path().join("workers.toml"), toml::to_string(&config).unwrap()).unwrap();
    let out = run_orderhub(dir.path(), &["--config", "workers.toml", "keys", "create", "--scope", "write"]).await;
    assert_success(&out);
    let key = stdout(&out).trim().to_string();
    let store = db.open().await;
    let holder = async |shop: &str| store.lease_holder(&format!("shop:{shop}")).await.unwrap().unwrap_or_default();

    // The first worker takes every shop; the second starts and waits.
    let (mut first, first_api) = common::start_serve(dir.path(), &["--config", "workers.toml"]).await;
    let first_name = format!("-{}-", first.id().unwrap());
    wait_for("the first worker holding every shop", Duration::from_secs(30), async || {
        let mut held = 0;
        for shop in &keys {
            held += usize::from(holder(shop).await.contains(&first_name));
        }
        held == keys.len()
    })
    .await;
    let (second, second_api) = common::start_serve(dir.path(), &["--config", "workers.toml"]).await;
    let second_name = format!("-{}-", second.id().unwrap());

    // Ten shipments queued through the first worker, which works them off one by one.
    let client = reqwest::Client::new();
    let mut ids: Vec<String> = Vec::new();
    wait_for("ten Shoptima orders to ship", Duration::from_secs(60), async || {
        let listed: Value = client
            .get(format!("{first_api}/api/v1/orders?shop=shoptima-0&status=awaiting_shipment&limit=10"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids = listed["orders"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_string()).collect();
        ids.len() == 10
    })
    .await;
    for (n, id) in ids.iter().enumerate() {
        ship(&client, &first_api, &key, id, &format!("YT{n:08}"), "YTO").await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // SIGTERM to the first worker while it syncs every shop and ships.
    for shop in &keys {
        assert!(holder(shop).await.contains(&first_name), "{shop} ended before the stop; slow the sandbox down");
    }
    let stopped_at = Instant::now();
    // SAFETY: kill(2) on the child's own process id; it only sends a signal.
    assert_eq!(unsafe { libc::kill(first.id().unwrap() as i32, libc::SIGTERM) }, 0);
    let status = tokio::time::timeout(Duration::from_secs(10), first.wait())
        .await
        .expect("the stopped worker exits within 10 s")
        .unwrap();
    assert!(status.success(), "the stopped worker exits cleanly: {status:?}");
    let exited_after = stopped_at.elapsed();

    // The second worker holds each shop within 2 s of the signal.
    let mut waiting: Vec<&String> = keys.iter().collect();
    while !waiting.is_empty() {
        let mut still = Vec::new();
        for shop in waiting {
            if !holder(shop).await.contains(&second_name) {
                still.push(shop);
            }
        }
        waiting = still;
        assert!(
            stopped_at.elapsed() <= Duration::from_secs(2),
            "not taken over within 2 s of SIGTERM (exited after {exited_after:?}): {waiting:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("exited {exited_after:?} and taken over {:?} after SIGTERM", stopped_at.elapsed());
    // The stopped worker's runs were closed as it stopped, not when their
    // leases lapsed.
    for shop in &keys {
        let runs = store.runs(Some(shop), 10).await.unwrap();
        let stopped = runs.iter().find(|r| r.outcome == "interrupted").unwrap_or_else(|| panic!("{shop}: {runs:?}"));
        assert!(stopped.error.as_deref().unwrap_or_default().contains("shutting down"), "{stopped:?}");
    }

    // The second worker finishes every shop; nothing is lost or stored twice.
    wait_for("every order of every shop", Duration::from_secs(180), async || {
        store.order_count().await.unwrap() == expected
    })
    .await;
    wait_for("every shop's run ended", Duration::from_secs(60), async || {
        let mut ended = 0;
        for shop in &keys {
            ended += usize::from(store.runs(Some(shop), 1).await.unwrap()[0].outcome == "ok");
        }
        ended == keys.len()
    })
    .await;
    assert_eq!(
        store.events_after(0, 100_000).await.unwrap().iter().filter(|e| e.kind == "created").count() as i64,
        expected
    );
    for shop in &keys {
        let mut runs = store.runs(Some(shop), 10).await.unwrap();
        runs.sort_by_key(|r| r.started_at);
        assert_eq!(runs.iter().map(|r| r.outcome.as_str()).collect::<Vec<_>>(), ["interrupted", "ok"], "{shop}");
        assert!(runs[1].started_at >= runs[0].ended_at, "{shop}: the takeover overlaps the stopped run: {runs:?}");
    }
    // The shipment in the stopped worker's hands went back to the queue at
    // once (a job's lease is 60 s): every one is done well before that, and
    // each reached the platform once.
    every_job_done(&store, &ids, Duration::from_secs(30)).await;
    assert!(stopped_at.elapsed() < orderhub_sync::JOB_LEASE, "{:?}", stopped_at.elapsed());
    let (sent, stats) = shipping_requests(&listing).await;
    // A job returned mid-request was read back by the next worker first:
    // re-sent only when the platform did not have it (the stopped worker's
    // request was cut off before the platform acted), so at most one more.
    let mut returned = 0;
    for id in &ids {
        returned += store.jobs_of_order(id).await.unwrap().iter().filter(|j| j.attempts > 1).count() as u64;
    }
    assert!(returned <= 1, "{returned} jobs were tried twice");
    assert!(sent == 10 || (sent == 11 && returned == 1), "{sent} shipment requests, {returned} returned: {stats}");
    let shoptima = listing.iter().find(|s| s["platform"].as_str() == Some("shoptima")).unwrap();
    let truth: Value =
        client.get(format!("{}/_sandbox/truth", origin(shoptima))).send().await.unwrap().json().await.unwrap();
    for (n, id) in ids.iter().enumerate() {
        let number = id.rsplit(':').next().unwrap();
        let order = truth["orders"].as_array().unwrap().iter().find(|o| o["order_num"] == number).unwrap();
        assert_eq!(order["tracking_number"], format!("YT{n:08}"), "{id}");
    }
    // Shipped orders are read back after their shipment. The other shop on
    // the same simulator sees them shipped at its next sync: one now.
    let synced = client
        .post(format!("{second_api}/api/v1/shops/shoptima-4/sync?wait=true"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(synced.status().as_u16(), 200, "{}", synced.text().await.unwrap());
    let out =
        run_orderhub(dir.path(), &["--config", "workers.toml", "verify", "--from", "2000-01-01T00:00:00Z", "--json"])
            .await;
    assert!(out.status.success(), "verify: {}\n{}", stdout(&out), stderr(&out));
    drop(second);
    store.close().await;
}
