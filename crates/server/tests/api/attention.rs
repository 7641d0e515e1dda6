//! `/api/v1/attention`: each kind opened by its real cause on a Shoptima
//! simulator (a refused token, a platform down for longer than three of a
//! shop's intervals, a shipment the platform refuses), closed by its cure,
//! never opened twice for one cause (also after a restart), and dismissed
//! by a person with a note; on SQLite and on PostgreSQL.

use crate::writeback::shippable;
use crate::{Api, assert_error, belment, shop_on, shoptima};
use orderhub_server::auth::Scope;
use orderhub_store::testing::TestDatabase;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn each_cause_opens_one_item_and_its_cure_closes_it_on_sqlite() {
    causes_and_cures(TestDatabase::sqlite()).await;
}

#[tokio::test]
async fn each_cause_opens_one_item_and_its_cure_closes_it_on_postgres() {
    if let Some(db) = TestDatabase::postgres("attention over HTTP").await {
        causes_and_cures(db).await;
    }
}

/// The open items, as the API lists them.
async fn open_items(api: &Api, key: &str) -> Vec<Value> {
    let (status, body) = api.get(key, "/api/v1/attention").await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

fn find<'a>(items: &'a [Value], cause: &str) -> Option<&'a Value> {
    items.iter().find(|item| item["cause"] == cause)
}

async fn causes_and_cures(db: TestDatabase) {
    let platform = shoptima(30).await;
    // belment syncs every second (so three missed are three seconds); the
    // shop `refused` signs in with a token the platform refuses.
    let shops = vec![
        (belment(&platform), Duration::from_secs(1)),
        (shop_on(&platform, "refused", "not-the-token"), Duration::from_secs(3600)),
    ];
    let api = Api::start_scheduled(&db.url, shops, vec![]).await;
    let key = api.key(Scope::Write, false).await;
    let reader = api.key(Scope::Read, false).await;
    api.hub.sync_now("belment").await.unwrap();
    api.hub.sync_now("refused").await.unwrap_err();

    // A refused token: the shop is paused, one critical item with the platform's words.
    api.hub.sweep_attention().await.unwrap();
    let items = open_items(&api, &reader).await;
    assert_eq!(items.len(), 1, "{items:?}");
    let paused = &items[0];
    assert_eq!(
        (&paused["kind"], &paused["severity"], &paused["shop"]),
        (&json!("shop_paused"), &json!("critical"), &json!("refused"))
    );
    let reason = paused["reason"].as_str().unwrap();
    assert!(reason.contains("Shop refused stopped syncing") && reason.contains("401"), "{reason}");
    assert!(paused["action"].as_str().unwrap().contains("orderhub sync --shop refused"));

    // A shipment the platform refuses: one critical item with its answer.
    let number = shippable(&platform);
    let order_id = format!("shoptima:belment:{number}");
    platform.sim.faults().add_spec("shoptima.ship=busy:400*1").unwrap();
    let path = format!("/api/v1/orders/{order_id}/shipments");
    let (status, _) = api.post(&key, &path, &json!({"tracking_number": "SF1", "carrier_code": "SF"}), None).await;
    assert_eq!(status, 202);
    api.hub.run_due_jobs().await.unwrap();
    api.hub.sweep_attention().await.unwrap();
    let items = open_items(&api, &reader).await;
    let refused = find(&items, &format!("writeback_failed:{order_id}:ship")).expect("a refused shipment is an item");
    assert_eq!((&refused["severity"], &refused["order_id"]), (&json!("critical"), &json!(order_id)));
    assert!(refused["reason"].as_str().unwrap().contains("ship write-back"), "{refused}");

    // The platform down for longer than three of belment's intervals: stalled,
    // with the last run's error.
    platform.sim.faults().add_spec("shoptima.list=5xx").unwrap();
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    api.hub.sync_now("belment").await.unwrap_err();
    api.hub.sweep_attention().await.unwrap();
    let items = open_items(&api, &reader).await;
    let stalled = find(&items, "shop_stalled:belment").expect("a stalled shop is an item");
    assert_eq!(stalled["severity"], "warning");
    let reason = stalled["reason"].as_str().unwrap();
    assert!(reason.contains("last synced 3 s ago") && reason.contains("The last run failed"), "{reason}");
    assert_eq!(items.len(), 3, "{items:?}");

    // Seen again, and after a restart on the same database: still one item each.
    api.hub.sweep_attention().await.unwrap();
    let ids: Vec<Value> = open_items(&api, &reader).await.iter().map(|i| i["id"].clone()).collect();
    let url = api.database_url.clone();
    drop(api);
    let shops = vec![
        (belment(&platform), Duration::from_secs(1)),
        (shop_on(&platform, "refused", "not-the-token"), Duration::from_secs(3600)),
    ];
    let api = Api::start_scheduled(&url, shops, vec![]).await;
    api.hub.sweep_attention().await.unwrap();
    let again: Vec<Value> = open_items(&api, &reader).await.iter().map(|i| i["id"].clone()).collect();
    assert_eq!(again, ids, "no item opened twice for one cause");

    // The cures: the platform answers again, a second shipment lands.
    platform.sim.faults().clear();
    api.hub.sync_now("belment").await.unwrap();
    let (status, _) = api.post(&key, &path, &json!({"tracking_number": "SF2", "carrier_code": "SF"}), None).await;
    assert_eq!(status, 202);
    api.hub.run_due_jobs().await.unwrap();
    api.hub.sweep_attention().await.unwrap();
    let items = open_items(&api, &reader).await;
    assert_eq!(items.iter().map(|i| i["kind"].as_str().unwrap()).collect::<Vec<_>>(), ["shop_paused"], "{items:?}");
    let (_, closed) = api.get(&reader, "/api/v1/attention?open=false").await;
    let closed = closed["items"].as_array().unwrap();
    assert_eq!(closed.len(), 2);
    assert!(closed.iter().all(|i| i["cleared_at"].is_string() && i["dismissed_at"].is_null()), "{closed:?}");

    // A person dismisses the paused shop's item with a note: only with the
    // write scope, once, and it stays closed while the shop stays paused.
    let id = items[0]["id"].as_i64().unwrap();
    let dismiss = format!("/api/v1/attention/{id}/dismiss");
    assert_error(&api.post(&reader, &dismiss, &json!({"note": "asked the owner"}), None).await, 403, "forbidden");
    assert_error(&api.post(&key, &dismiss, &json!({"note": "  "}), None).await, 400, "bad_request");
    let (status, dismissed) = api.post(&key, &dismiss, &json!({"note": "the shop is closing down"}), None).await;
    assert_eq!(status, 200, "{dismissed}");
    assert_eq!(
        (&dismissed["dismissed_by"], &dismissed["note"]),
        (&json!("key:test"), &json!("the shop is closing down"))
    );
    assert_error(&api.post(&key, &dismiss, &json!({"note": "again"}), None).await, 409, "conflict");
    assert_error(
        &api.post(&key, "/api/v1/attention/999999/dismiss", &json!({"note": "x"}), None).await,
        404,
        "not_found",
    );
    api.hub.sweep_attention().await.unwrap();
    assert!(open_items(&api, &reader).await.is_empty());
    let (status, shown) = api.get(&reader, &format!("/api/v1/attention/{id}")).await;
    assert_eq!((status, &shown["note"]), (200, &json!("the shop is closing down")));

    // Filters are checked, and counted in the metrics.
    assert_error(&api.get(&reader, "/api/v1/attention?severity=urgent").await, 400, "bad_request");
    assert_error(&api.get(&reader, "/api/v1/attention?colour=red").await, 400, "bad_request");
    let (_, stalled) = api.get(&reader, "/api/v1/attention?open=all&kind=shop_stalled&shop=belment").await;
    assert_eq!(stalled["items"].as_array().unwrap().len(), 1);
    let metrics = api.client().get(format!("{}/metrics", api.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("orderhub_attention_open{kind=\"shop_paused\",severity=\"critical\"} 0"), "{metrics}");
}
