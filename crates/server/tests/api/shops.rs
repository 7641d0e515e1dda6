//! `GET /api/v1/shops`, `POST /shops/{key}/sync`, `/fetch` and `/check`, `GET /sync/runs`,
//! against a Shoptima simulator over real HTTP.

use crate::{Api, assert_error, belment, shoptima};
use orderhub_server::auth::Scope;
use serde_json::json;

#[tokio::test]
async fn shops_are_listed_synced_and_fetched_through_the_api() {
    let platform = shoptima(150).await;
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![belment(&platform)]).await;
    let key = api.key(Scope::Write, false).await;

    let (status, shops) = api.get(&key, "/api/v1/shops").await;
    assert_eq!(status, 200);
    let shop = &shops["shops"][0];
    assert_eq!(shop["key"], "belment");
    assert_eq!(shop["platform"], "shoptima");
    assert_eq!(shop["capabilities"]["ship"], true);
    assert_eq!(shop["capabilities"]["fetch_by_number"], true);
    assert_eq!(shop["capabilities"]["status_codes"][3]["code"], "3");
    assert_eq!(shop["orders"], 0);
    assert!(shop["last_run"].is_null() && shop["paused"].is_null());

    let (status, synced) = api.post(&key, "/api/v1/shops/belment/sync?wait=true", &json!({}), None).await;
    assert_eq!(status, 200, "{synced}");
    assert_eq!(synced["report"]["orders"]["new"], 150);
    assert_eq!(api.store.order_count().await.unwrap(), platform.sim.truth().len() as i64);

    let (_, shops) = api.get(&key, "/api/v1/shops").await;
    let shop = &shops["shops"][0];
    assert_eq!(shop["orders"], 150);
    assert_eq!(shop["last_run"]["outcome"], "ok");
    assert!(shop["lag_seconds"].as_i64().unwrap() < 60);
    assert!(shop["api_calls"].as_i64().unwrap() >= 2);

    let (status, runs) = api.get(&key, "/api/v1/sync/runs?shop=belment").await;
    assert_eq!(status, 200);
    assert_eq!(runs["runs"].as_array().unwrap().len(), 1);
    assert_eq!(runs["runs"][0]["orders"]["new"], 150);

    // Fetch by number: one known order (changed on the platform since), one unknown.
    let number = platform.sim.truth()[0]["order_num"].as_str().unwrap().to_string();
    platform.sim.mutate(&number, |o| o.city = Some("Fresno".into()));
    let body = json!({"order_numbers": [number, "NO-SUCH-ORDER"]});
    let (status, fetched) = api.post(&key, "/api/v1/shops/belment/fetch", &body, None).await;
    assert_eq!(status, 200, "{fetched}");
    assert_eq!(fetched["stored"]["changed"], 1);
    assert_eq!(fetched["missing"], json!(["NO-SUCH-ORDER"]));
    let stored = api.store.order(&format!("shoptima:belment:{number}")).await.unwrap().unwrap();
    assert_eq!(stored.shipping_address.city.as_deref(), Some("Fresno"));

    // A background sync starts and shows in the runs.
    let (status, started) = api.post(&key, "/api/v1/shops/belment/sync", &json!({}), None).await;
    assert_eq!(status, 202, "{started}");
    for _ in 0..100 {
        let (_, runs) = api.get(&key, "/api/v1/sync/runs?shop=belment&limit=5").await;
        if runs["runs"].as_array().unwrap().len() == 2 && runs["runs"][0]["outcome"] == "ok" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (_, runs) = api.get(&key, "/api/v1/sync/runs?shop=belment").await;
    assert_eq!(runs["runs"][0]["outcome"], "ok", "{runs}");

    // The shop checked with one call: the platform answers and takes the token.
    let (status, checked) = api.post(&key, "/api/v1/shops/belment/check", &json!({}), None).await;
    assert_eq!(status, 200, "{checked}");
    assert_eq!(checked["ok"], true, "{checked}");
    let names: Vec<&str> = checked["checks"].as_array().unwrap().iter().map(|c| c["check"].as_str().unwrap()).collect();
    assert_eq!(names, ["platform", "token", "clock"]);
    assert_eq!(checked["checks"][1]["detail"], "accepted");
    assert_error(&api.post(&key, "/api/v1/shops/nope/check", &json!({}), None).await, 404, "not_found");
    let read_only = api.key(Scope::Read, false).await;
    assert_error(&api.post(&read_only, "/api/v1/shops/belment/check", &json!({}), None).await, 403, "forbidden");

    assert_error(&api.post(&key, "/api/v1/shops/nope/sync", &json!({}), None).await, 404, "not_found");
    assert_error(
        &api.post(&key, "/api/v1/shops/nope/fetch", &json!({"order_numbers": ["1"]}), None).await,
        404,
        "not_found",
    );
    assert_error(
        &api.post(&key, "/api/v1/shops/belment/fetch", &json!({"order_numbers": []}), None).await,
        400,
        "bad_request",
    );
    assert_error(
        &api.post(&key, "/api/v1/shops/belment/fetch", &json!({"numbers": ["1"]}), None).await,
        400,
        "bad_request",
    );
    assert_error(&api.get(&key, "/api/v1/sync/runs?limit=0").await, 400, "bad_request");
}

/// The platforms the hub knows come from the connectors' registry: every
/// one, in its order, with its label, colour and what it can do, and only
/// to a caller with a key.
#[tokio::test]
async fn the_platforms_are_the_registry_s() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    let key = api.key(Scope::Read, false).await;
    let (status, body) = api.get(&key, "/api/v1/platforms").await;
    assert_eq!(status, 200, "{body}");
    let listed = body["platforms"].as_array().unwrap();
    let registry = orderhub_connectors::registry::platforms();
    assert!(registry.len() >= 5);
    assert_eq!(listed.len(), registry.len());
    for (seen, entry) in listed.iter().zip(&registry) {
        assert_eq!(seen["key"], entry.platform.as_str());
        assert_eq!(seen["label"], entry.label);
        assert_eq!(seen["colour"], entry.colour);
        assert_eq!(seen["capabilities"]["ship"], entry.capabilities.ship);
        assert_eq!(seen["capabilities"]["max_page_size"], entry.capabilities.max_page_size);
    }
    let keys: Vec<&str> = listed.iter().take(5).map(|p| p["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["westmonth", "wshoto", "vanmall", "shoptima", "damaijia"]);
    assert_eq!(listed[2]["capabilities"]["list_by"], serde_json::Value::Null, "VanMall has no list");
    let answer = api.client().get(format!("{}/api/v1/platforms", api.base)).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 401);
}
