//! Outbound webhooks: signed, retried, in order.

use crate::{Api, order};
use axum::http::HeaderMap;
use orderhub_connectors::Secret;
use orderhub_sync::{Webhook, signature};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Receiver {
    /// (timestamp header, signature header, body) of each request.
    requests: Vec<(String, String, Vec<u8>)>,
    /// Answer 500 to this many requests first.
    fail_first: usize,
}

#[tokio::test]
async fn webhooks_get_every_change_signed_in_order_after_failures() {
    let receiver = Arc::new(Mutex::new(Receiver { fail_first: 2, ..Receiver::default() }));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let receiver = receiver.clone();
            move |headers: HeaderMap, body: axum::body::Bytes| async move {
                let mut r = receiver.lock().unwrap();
                let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                r.requests.push((header("x-orderhub-timestamp"), header("x-orderhub-signature"), body.to_vec()));
                if r.requests.len() <= r.fail_first {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    // Events before the webhook was first seen are not sent.
    api.store.write_batch("belment", &[order("OLD-1", 1_700_000_000, 1_700_000_000)], &[], None).await.unwrap();
    let start = api.store.webhook_state("erp").await.unwrap().delivered_seq;
    assert_eq!(start, 1);
    let secret = "s3cret-for-tests";
    api.hub.spawn_webhook(Webhook {
        name: "erp".into(),
        url,
        secret: Secret::new(secret),
        timeout: Duration::from_secs(5),
    });
    let orders: Vec<_> = (0..150).map(|i| order(&format!("W-{i:03}"), 1_700_000_000 + i, 1_700_000_000 + i)).collect();
    api.store.write_batch("belment", &orders[..120], &[], None).await.unwrap();
    api.store.write_batch("belment", &orders[120..], &[], None).await.unwrap();
    let last = api.store.last_event_seq().await.unwrap();
    for _ in 0..200 {
        if api.store.webhook_state("erp").await.unwrap().delivered_seq == last {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let state = api.store.webhook_state("erp").await.unwrap();
    assert_eq!((state.delivered_seq, state.delivered_total), (last, 150));

    let requests = receiver.lock().unwrap().requests.clone();
    assert!(requests.len() >= 4, "2 failures, then at least 2 batches: {}", requests.len());
    let mut delivered = Vec::new();
    for (i, (timestamp, sig, body)) in requests.iter().enumerate() {
        assert_eq!(sig, &signature(secret, timestamp.parse().unwrap(), body), "request {i} is not signed right");
        assert_ne!(sig, &signature("other", timestamp.parse().unwrap(), body));
        if i >= 2 {
            let body: Value = serde_json::from_slice(body).unwrap();
            delivered.extend(body["events"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()));
        }
    }
    // The failed batch was sent again as it was.
    assert_eq!(requests[0].2, requests[1].2);
    let expected: Vec<i64> = (start + 1..=last).collect();
    assert_eq!(delivered, expected, "every event once, in commit order");
}
