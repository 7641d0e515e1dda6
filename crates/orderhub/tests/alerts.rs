//! Alerts over real HTTP: `orderhub serve` against the sandbox, two shops
//! whose tokens the platforms refuse, and a receiver in the test that plays
//! WeCom's, DingTalk's and Feishu's robots and a plain URL. Each gets one
//! digest in its own format, signed by its service's scheme, and a receiver
//! answering 500 gets it again; with two workers on PostgreSQL and the one
//! sending killed (SIGKILL), every item is still alerted exactly once.

mod common;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use common::{assert_success, run_orderhub, spawn_sandbox, stdout};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request a robot received.
#[derive(Debug, Clone)]
struct Received {
    robot: String,
    query: String,
    headers: HeaderMap,
    body: Value,
}

/// The robots: every request recorded; `/hook` answers 500 twice first.
#[derive(Clone, Default)]
struct Robots {
    received: Arc<Mutex<Vec<Received>>>,
}

impl Robots {
    async fn start() -> (Robots, String) {
        let robots = Robots::default();
        let app = axum::Router::new().route("/{robot}", axum::routing::post(receive)).with_state(robots.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (robots, base)
    }

    fn of(&self, robot: &str) -> Vec<Received> {
        self.received.lock().unwrap().iter().filter(|r| r.robot == robot).cloned().collect()
    }
}

async fn receive(
    State(robots): State<Robots>,
    Path(robot): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: String,
) -> (axum::http::StatusCode, axum::Json<Value>) {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let mut received = robots.received.lock().unwrap();
    received.push(Received { robot: robot.clone(), query: query.unwrap_or_default(), headers, body });
    let hooks = received.iter().filter(|r| r.robot == "hook").count();
    match robot.as_str() {
        "hook" if hooks <= 2 => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({"busy": true}))),
        "feishu" => (axum::http::StatusCode::OK, axum::Json(json!({"code": 0, "msg": "success", "data": {}}))),
        _ => (axum::http::StatusCode::OK, axum::Json(json!({"errcode": 0, "errmsg": "ok"}))),
    }
}

async fn wait_for<F: AsyncFnMut() -> bool>(what: &str, limit: Duration, mut done: F) {
    let deadline = Instant::now() + limit;
    while !done().await {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The sandbox's shops, the Wshoto and Damaijia ones signing in with a
/// token their platform refuses, all synced once an hour, without ship-by
/// deadlines; and the alerts.
fn config(sandbox: &toml::Table, database: &str, alerts: Value) -> String {
    let mut shops = Vec::new();
    for shop in sandbox["shops"].as_array().unwrap() {
        let mut shop = shop.as_table().unwrap().clone();
        if matches!(shop["platform"].as_str(), Some("wshoto" | "damaijia")) {
            shop.insert("token".into(), "a-token-the-platform-refuses".into());
            shop.remove("token_env");
        }
        shop.insert("sync_every".into(), "1h".into());
        // The sandbox's unshipped orders are days past any deadline: here
        // only the causes the test makes count.
        shop.insert("ship_within".into(), "off".into());
        shops.push(toml::Value::Table(shop));
    }
    let alerts: toml::Value = serde_json::from_value(alerts).unwrap();
    let config = toml::Table::from_iter([
        ("database".to_string(), toml::Value::Table(toml::Table::from_iter([("url".into(), database.into())]))),
        (
            "server".to_string(),
            toml::Value::Table(toml::Table::from_iter([("public_url".into(), "https://orders.example.com".into())])),
        ),
        ("shops".to_string(), toml::Value::Array(shops)),
        ("alerts".to_string(), alerts),
    ]);
    toml::to_string(&config).unwrap()
}

fn query_value(query: &str, name: &str) -> String {
    let url = reqwest::Url::parse(&format!("http://x/?{query}")).unwrap();
    url.query_pairs().find(|(n, _)| n == name).map(|(_, v)| v.into_owned()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_robot_gets_one_digest_in_its_format_signed_by_its_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let (_sandbox, sandbox) = spawn_sandbox(dir.path(), &["--orders", "30"], None).await;
    let (robots, base) = Robots::start().await;
    let alerts = json!([
        {"name": "wecom", "kind": "wecom", "url": format!("{base}/wecom?key=wecom-robot-key"), "digest_seconds": 1},
        {"name": "dingtalk", "kind": "dingtalk", "url": format!("{base}/dingtalk?access_token=ding-token"),
         "secret": "SECding-secret", "digest_seconds": 1},
        {"name": "feishu", "kind": "feishu", "url": format!("{base}/feishu"), "secret": "feishu-secret",
         "digest_seconds": 1, "language": "en", "severities": ["critical"]},
        {"name": "hook", "kind": "webhook", "url": format!("{base}/hook"), "secret": "hook-secret", "digest_seconds": 1,
         "kinds": ["shop_paused"]},
    ]);
    let database = format!("sqlite://{}", dir.path().join("alerts.db").display());
    std::fs::write(dir.path().join("alerts.toml"), config(&sandbox, &database, alerts)).unwrap();
    let started = jiff::Timestamp::now();
    let (_serve, _api) = common::start_serve(dir.path(), &["--config", "alerts.toml"]).await;

    // The webhook is answered 500 twice: tried again after 2 s and 4 s.
    wait_for("every robot's digest", Duration::from_secs(40), async || {
        ["wecom", "dingtalk", "feishu"].iter().all(|r| !robots.of(r).is_empty()) && robots.of("hook").len() >= 3
    })
    .await;
    // A second digest would come within a window or two: none does.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let wecom = robots.of("wecom");
    assert_eq!(wecom.len(), 1, "one digest: {wecom:?}");
    assert_eq!(wecom[0].query, "key=wecom-robot-key");
    assert_eq!(wecom[0].body["msgtype"], "markdown");
    let content = wecom[0].body["markdown"]["content"].as_str().unwrap();
    assert!(content.starts_with("### orderhub:2 项需要处理(严重 2,警告 0)"), "{content}");
    assert!(content.contains("店铺已暂停同步 fengxi") && content.contains("店铺已暂停同步 taoyitao"), "{content}");
    assert!(content.contains("全部:https://orders.example.com/attention"), "{content}");

    let dingtalk = robots.of("dingtalk");
    assert_eq!(dingtalk.len(), 1, "{dingtalk:?}");
    let timestamp: i64 = query_value(&dingtalk[0].query, "timestamp").parse().unwrap();
    assert!((timestamp - started.as_millisecond()).abs() < 60_000, "a timestamp in milliseconds: {timestamp}");
    assert_eq!(query_value(&dingtalk[0].query, "access_token"), "ding-token");
    assert_eq!(query_value(&dingtalk[0].query, "sign"), orderhub_sync::dingtalk_sign("SECding-secret", timestamp));
    assert_eq!(dingtalk[0].body["msgtype"], "markdown");
    assert!(dingtalk[0].body["markdown"]["title"].as_str().unwrap().contains("2 项需要处理"));

    let feishu = robots.of("feishu");
    assert_eq!(feishu.len(), 1, "{feishu:?}");
    let seconds: i64 = feishu[0].body["timestamp"].as_str().unwrap().parse().unwrap();
    assert!((seconds - started.as_second()).abs() < 60, "a timestamp in seconds: {seconds}");
    assert_eq!(feishu[0].body["sign"], orderhub_sync::feishu_sign("feishu-secret", seconds));
    assert_eq!(feishu[0].body["msg_type"], "text");
    let text = feishu[0].body["content"]["text"].as_str().unwrap();
    assert!(text.starts_with("orderhub: 2 items need attention (2 critical, 0 warning)"), "{text}");

    // The webhook: the same digest three times (500, 500, then taken), signed.
    let hooks = robots.of("hook");
    assert_eq!(hooks.len(), 3, "{hooks:?}");
    assert_eq!(hooks[0].body["items"], hooks[2].body["items"]);
    let items = hooks[2].body["items"].as_array().unwrap();
    let mut shops: Vec<&str> = items.iter().map(|i| i["shop"].as_str().unwrap()).collect();
    shops.sort();
    assert_eq!(shops, ["fengxi", "taoyitao"]);
    assert!(items.iter().all(|i| i["kind"] == "shop_paused" && i["severity"] == "critical"), "{items:?}");
    let header = |name: &str| hooks[2].headers[name].to_str().unwrap().to_string();
    let signed_at: i64 = header("x-orderhub-timestamp").parse().unwrap();
    let body = serde_json::to_vec(&hooks[2].body).unwrap();
    assert_eq!(header("x-orderhub-signature"), orderhub_sync::signature("hook-secret", signed_at, &body));

    // The attention list holds the same two items.
    let out = run_orderhub(dir.path(), &["--config", "alerts.toml", "--json", "attention"]).await;
    assert_success(&out);
    let listed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_and_a_sigkill_alert_each_item_once() {
    let Some(db) = orderhub_store::testing::TestDatabase::postgres("two_workers_and_a_sigkill_alert…").await else {
        return;
    };
    orderhub_connectors::http::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let (_sandbox, sandbox) = spawn_sandbox(dir.path(), &["--orders", "30"], None).await;
    let (robots, base) = Robots::start().await;
    let alerts = json!([{"name": "team", "kind": "wecom", "url": format!("{base}/wecom?key=k"), "digest_seconds": 1}]);
    std::fs::write(dir.path().join("alerts.toml"), config(&sandbox, &db.url, alerts)).unwrap();
    let store = db.open().await;

    let (mut first, first_api) = common::start_serve(dir.path(), &["--config", "alerts.toml"]).await;
    let (mut second, second_api) = common::start_serve(dir.path(), &["--config", "alerts.toml"]).await;
    wait_for("the first digest", Duration::from_secs(30), async || !robots.of("wecom").is_empty()).await;

    // The worker that holds the alert is killed; the other takes it over
    // once its lease lapses, and alerts the next item, once.
    let holder = store.lease_holder("alert:team").await.unwrap().unwrap();
    let first_holds = holder.contains(&format!("-{}-", first.id().unwrap()));
    let (victim, survivor_api) = if first_holds { (&mut first, second_api) } else { (&mut second, first_api) };
    victim.start_kill().unwrap();
    victim.wait().await.unwrap();

    // A new cause: a shipment the platform refuses, queued through the survivor.
    let shoptima = sandbox["shops"].as_array().unwrap().iter().find(|s| s["platform"].as_str() == Some("shoptima"));
    let origin = shoptima.unwrap()["base_url"].as_str().unwrap().trim_end_matches("/api/v1").to_string();
    let client = reqwest::Client::new();
    let added = client.post(format!("{origin}/_sandbox/faults")).body("shoptima.ship=busy:400*1").send().await.unwrap();
    assert!(added.status().is_success());
    let out = run_orderhub(dir.path(), &["--config", "alerts.toml", "keys", "create", "--scope", "write"]).await;
    assert_success(&out);
    let key = stdout(&out).trim().to_string();
    let listed: Value = client
        .get(format!("{survivor_api}/api/v1/orders?shop=belment&status=awaiting_shipment&limit=1"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = listed["orders"][0]["id"].as_str().unwrap().to_string();
    let shipped = client
        .post(format!("{survivor_api}/api/v1/orders/{id}/shipments"))
        .bearer_auth(&key)
        .json(&json!({"tracking_number": "SF000001", "carrier_code": "SF"}))
        .send()
        .await
        .unwrap();
    assert_eq!(shipped.status().as_u16(), 202);
    wait_for("the second digest, from the survivor", Duration::from_secs(60), async || robots.of("wecom").len() >= 2)
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    let digests = robots.of("wecom");
    assert_eq!(digests.len(), 2, "{digests:?}");
    let first_digest = digests[0].body["markdown"]["content"].as_str().unwrap();
    let second_digest = digests[1].body["markdown"]["content"].as_str().unwrap();
    assert!(first_digest.contains("2 项需要处理"), "{first_digest}");
    assert!(second_digest.contains("1 项需要处理") && second_digest.contains("回传失败"), "{second_digest}");
    assert!(second_digest.contains(&id) && !second_digest.contains("店铺已暂停同步"), "{second_digest}");
}
