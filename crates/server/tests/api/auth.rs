//! Keys, scopes, PII masking, and the JSON error shape outside `/api`.

use crate::{Api, assert_error, order, read};
use orderhub_server::auth::Scope;

#[tokio::test]
async fn every_api_route_needs_a_live_key() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    let answer = read(api.client().get(format!("{}/api/v1/orders", api.base)).send().await.unwrap()).await;
    assert_error(&answer, 401, "unauthorized");
    assert!(answer.1["error"]["message"].as_str().unwrap().contains("orderhub keys create"));
    assert_error(&api.get("ohk_0123", "/api/v1/orders").await, 401, "unauthorized");

    let key = api.key(Scope::Read, false).await;
    assert_eq!(api.get(&key, "/api/v1/orders").await.0, 200);
    // X-Api-Key works too.
    let answer = api.client().get(format!("{}/api/v1/orders", api.base)).header("x-api-key", &key).send().await;
    assert_eq!(answer.unwrap().status().as_u16(), 200);

    let id = api.store.api_keys().await.unwrap().last().unwrap().id;
    assert!(api.store.revoke_api_key(id).await.unwrap());
    assert_error(&api.get(&key, "/api/v1/orders").await, 401, "unauthorized");
}

#[tokio::test]
async fn scopes_limit_what_a_key_may_do() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    api.store.write_batch("belment", &[order("A-1", 1_700_000_000, 1_700_000_000)], &[], None).await.unwrap();
    let read_key = api.key(Scope::Read, false).await;
    let write_key = api.key(Scope::Write, false).await;
    let admin_key = api.key(Scope::Admin, false).await;
    let body = serde_json::json!({"tracking_number": "SF1", "carrier_code": "SF"});
    let answer = api.post(&read_key, "/api/v1/orders/shoptima:belment:A-1/shipments", &body, None).await;
    assert_error(&answer, 403, "forbidden");
    assert!(answer.1["error"]["message"].as_str().unwrap().contains("write scope"));
    assert_error(&api.post(&read_key, "/api/v1/shops/belment/sync", &body, None).await, 403, "forbidden");
    assert_error(&api.get(&write_key, "/api/v1/keys").await, 403, "forbidden");
    let (status, keys) = api.get(&admin_key, "/api/v1/keys").await;
    assert_eq!(status, 200);
    let keys = keys["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 3);
    // Never the key nor its hash.
    let text = serde_json::to_string(keys).unwrap();
    assert!(!text.contains(&admin_key[4..]) && !text.contains("hash"), "{text}");
    assert_eq!(keys[2]["scopes"], serde_json::json!(["admin"]));
}

#[tokio::test]
async fn buyer_data_is_masked_without_the_pii_scope() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    let mut first = order("A-1", 1_700_000_000, 1_700_000_000);
    api.store.write_batch("belment", std::slice::from_ref(&first), &[], None).await.unwrap();
    first.updated_at = Some(jiff::Timestamp::from_second(1_700_000_100).unwrap());
    first.shipping_address.address1 = Some("福田区 2 号".into());
    api.store.write_batch("belment", &[first], &[], None).await.unwrap();

    let masked_key = api.key(Scope::Admin, false).await;
    let pii_key = api.key(Scope::Read, true).await;
    for path in [
        "/api/v1/orders/shoptima:belment:A-1",
        "/api/v1/orders",
        "/api/v1/events",
        "/api/v1/orders/shoptima:belment:A-1/events",
    ] {
        let (status, body) = api.get(&masked_key, path).await;
        assert_eq!(status, 200);
        let text = body.to_string();
        for secret in ["13812345678", "zhang.san@", "南山区科技园", "福田区", "张三"] {
            assert!(!text.contains(secret), "{path} shows {secret}: {text}");
        }
        let (_, body) = api.get(&pii_key, path).await;
        assert!(body.to_string().contains("13812345678") || path.ends_with("events"), "{path}: {body}");
    }
    let (_, order) = api.get(&masked_key, "/api/v1/orders/shoptima:belment:A-1").await;
    assert_eq!(order["customer"]["phone"], "138****5678");
    assert_eq!(order["customer"]["email"], "z***@example.com");
    assert_eq!(order["shipping_address"]["city"], "深圳市");
    assert!(order["raw"].as_str().unwrap().contains("pii scope"));
    let (_, order) = api.get(&pii_key, "/api/v1/orders/shoptima:belment:A-1").await;
    assert_eq!(order["customer"]["phone"], "13812345678");
    assert_eq!(order["raw"]["phone"], "13812345678");
    let (_, events) = api.get(&pii_key, "/api/v1/orders/shoptima:belment:A-1/events").await;
    assert_eq!(events["events"][1]["changes"][0]["field"], "updated_at");
    assert!(events.to_string().contains("福田区 2 号"), "{events}");
}

#[tokio::test]
async fn errors_outside_the_api_are_json_too() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    let answer = read(api.client().get(format!("{}/nope", api.base)).send().await.unwrap()).await;
    assert_error(&answer, 404, "not_found");
    let answer = read(api.client().get(format!("{}/api/v1/nope", api.base)).send().await.unwrap()).await;
    assert_error(&answer, 404, "not_found");
    let answer = read(api.client().delete(format!("{}/api/v1/orders", api.base)).send().await.unwrap()).await;
    assert_error(&answer, 405, "method_not_allowed");
    // A path that is not UTF-8, a target or headers longer than the API reads.
    let answer = read(api.client().get(format!("{}/api/v1/orders/%FF%FE", api.base)).send().await.unwrap()).await;
    assert!(answer.0 == 400 || answer.0 == 401, "{answer:?}");
    let key = api.key(Scope::Read, false).await;
    let answer = read(
        api.client().get(format!("{}/api/v1/orders/%FF%FE/events", api.base)).bearer_auth(&key).send().await.unwrap(),
    )
    .await;
    assert_error(&answer, 400, "bad_request");
    let long = "x".repeat(9 * 1024);
    let answer = read(api.client().get(format!("{}/api/v1/orders?q={long}", api.base)).send().await.unwrap()).await;
    assert_error(&answer, 414, "uri_too_long");
    let mut request = api.client().get(format!("{}/healthz", api.base));
    for n in 0..5 {
        request = request.header(format!("x-filler-{n}"), "y".repeat(7 * 1024));
    }
    assert_error(&read(request.send().await.unwrap()).await, 431, "headers_too_large");
    // Unknown parameters and an empty page are refused where they were served.
    assert_error(&api.get(&key, "/api/v1/stats?days=7").await, 400, "bad_request");
    assert_error(&api.get(&key, "/api/v1/events?limit=0").await, 400, "bad_request");
}

#[tokio::test]
async fn health_reports_shops_write_backs_and_webhooks_that_fail() {
    let platform = crate::shoptima(20).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("api.db").display());
    let api = Api::start_with_webhooks(&url, vec![crate::belment(&platform)], vec!["erp".into()]).await;
    api.hub.sync_now("belment").await.unwrap();
    api.store.webhook_state("erp").await.unwrap();
    api.store.webhook_failed("erp", "HTTP 500 from https://erp.example/hook").await.unwrap();
    let answer = read(api.client().get(format!("{}/healthz", api.base)).send().await.unwrap()).await;
    assert_eq!(answer.0, 200, "a failing webhook is no failing store: {}", answer.1);
    assert_eq!(answer.1["status"], "degraded");
    assert_eq!(answer.1["shops"], serde_json::json!([{"key": "belment", "last_run": "ok"}]));
    assert_eq!(
        answer.1["webhooks"],
        serde_json::json!([{"name": "erp", "failed_attempts": 1, "last_error": "HTTP 500 from https://erp.example/hook"}])
    );
    assert_eq!(answer.1["outbox"], serde_json::json!({"waiting": 0, "failed": 0}));
}

#[tokio::test]
async fn health_reports_the_store_and_each_shop() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    let answer = read(api.client().get(format!("{}/healthz", api.base)).send().await.unwrap()).await;
    assert_eq!(
        answer,
        (
            200,
            serde_json::json!({"status": "ok", "store": {"reads": "ok", "writes": "ok"}, "shops": [],
                "outbox": {"waiting": 0, "failed": 0}, "webhooks": []})
        )
    );
}

#[tokio::test]
async fn metrics_count_orders_jobs_and_requests() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    api.store.write_batch("belment", &[order("A-1", 1_700_000_000, 1_700_000_000)], &[], None).await.unwrap();
    let key = api.key(Scope::Read, false).await;
    api.get(&key, "/api/v1/orders").await;
    let text = api.client().get(format!("{}/metrics", api.base)).send().await.unwrap().text().await.unwrap();
    for line in [
        "orderhub_orders{platform=\"shoptima\",shop=\"belment\",status=\"awaiting_shipment\"} 1",
        "orderhub_outbox_jobs{state=\"pending\"} 0",
        "orderhub_events_total 1",
        "orderhub_http_requests_total{method=\"GET\",route=\"/api/v1/orders\",status=\"200\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "no line {line:?} in:\n{text}");
    }
    // Made-up methods from anyone are one series, not one each.
    for method in ["FOO", "BAR", "BAZ"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        api.client().request(method, format!("{}/api/v1/orders", api.base)).send().await.unwrap();
    }
    let text = api.client().get(format!("{}/metrics", api.base)).send().await.unwrap().text().await.unwrap();
    assert!(!text.contains("FOO") && !text.contains("BAZ"), "{text}");
    let other = "orderhub_http_requests_total{method=\"other\",route=\"/api/v1/orders\",status=\"405\"} 3";
    assert!(text.lines().any(|l| l == other), "no line {other:?} in:\n{text}");
}

#[tokio::test]
async fn stats_and_webhook_state_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    let now = jiff::Timestamp::now().as_second();
    let mut orders = vec![order("S-1", now - 3_600, now), order("S-2", now - 3_600, now)];
    orders[1].status = orderhub_model::OrderStatus::Shipped;
    api.store.write_batch("belment", &orders, &[], None).await.unwrap();
    let key = api.key(Scope::Read, false).await;
    let (status, stats) = api.get(&key, "/api/v1/stats").await;
    assert_eq!(status, 200);
    let counts = stats["status_counts"].as_array().unwrap();
    assert_eq!(counts.len(), 2);
    assert_eq!(counts[0]["status"], "awaiting_shipment");
    assert_eq!(counts[0]["count"], 1);
    let day = jiff::Timestamp::from_second(now - 3_600).unwrap().strftime("%Y-%m-%d").to_string();
    assert_eq!(stats["orders_per_day"], serde_json::json!([{"day": day, "platform": "shoptima", "orders": 2}]));

    let admin = api.key(Scope::Admin, false).await;
    let (status, hooks) = api.get(&admin, "/api/v1/webhooks").await;
    assert_eq!(status, 200);
    assert_eq!(hooks["webhooks"], serde_json::json!([]));
    assert_eq!(hooks["last_event_seq"], 2);
}
