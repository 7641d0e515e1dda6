//! `/api/v1/attention`: each kind opened by its real cause on a Shoptima
//! simulator (a refused token, an order the platform sends broken, a
//! platform down for longer than three of a shop's intervals, a shipment the
//! platform refuses, a deadline passed on a clock the test sets), closed by its cure,
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
    // The platform sends one order cut down to its number.
    let truth = platform.sim.truth();
    let broken = truth.last().unwrap()["order_num"].as_str().unwrap().to_string();
    platform.sim.faults().add_spec(&format!("shoptima.list=bad_order:{broken}")).unwrap();
    api.hub.sync_now("belment").await.unwrap();
    api.hub.sync_now("refused").await.unwrap_err();

    // A refused token: the shop is paused, one critical item with the platform's words.
    api.hub.sweep_attention().await.unwrap();
    let items = open_items(&api, &reader).await;
    assert_eq!(items.len(), 2, "{items:?}");
    let paused = find(&items, "shop_paused:refused").expect("a refused token pauses its shop");
    assert_eq!(
        (&paused["kind"], &paused["severity"], &paused["shop"]),
        (&json!("shop_paused"), &json!("critical"), &json!("refused"))
    );
    let reason = paused["reason"].as_str().unwrap();
    assert!(reason.contains("Shop refused stopped syncing") && reason.contains("401"), "{reason}");
    assert!(paused["action"].as_str().unwrap().contains("orderhub sync --shop refused"));

    // Each opening is in the change feed, between the order events, with its item.
    let (status, feed) = api.get(&reader, "/api/v1/events?limit=1000").await;
    assert_eq!(status, 200, "{feed}");
    let opened: Vec<&Value> =
        feed["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "attention.opened").collect();
    assert_eq!(opened.len(), 2, "{opened:?}");
    let event = opened.iter().find(|e| e["shop"] == "refused").unwrap();
    assert_eq!((&event["platform"], &event["order_id"]), (&json!("shoptima"), &Value::Null));
    assert_eq!(event["attention"]["id"], paused["id"]);
    assert_eq!(event["attention"]["reason"], paused["reason"]);

    // The order that could not be read: a warning naming it, with the reader's error.
    let unread = find(&items, &format!("unreadable_order:belment:{broken}")).expect("a broken order is an item");
    assert_eq!((&unread["severity"], &unread["shop"]), (&json!("warning"), &json!("belment")));
    let reason = unread["reason"].as_str().unwrap();
    assert!(reason.contains(&format!("Order {broken} of shop belment could not be read")), "{reason}");
    assert!(unread["action"].as_str().unwrap().contains(&format!("orderhub fetch --shop belment {broken}")));

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
    platform.sim.faults().clear();
    platform.sim.faults().add_spec("shoptima.list=5xx").unwrap();
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    api.hub.sync_now("belment").await.unwrap_err();
    api.hub.sweep_attention().await.unwrap();
    let items = open_items(&api, &reader).await;
    let stalled = find(&items, "shop_stalled:belment").expect("a stalled shop is an item");
    assert_eq!(stalled["severity"], "warning");
    let reason = stalled["reason"].as_str().unwrap();
    assert!(reason.contains("last synced 3 s ago") && reason.contains("The last run failed"), "{reason}");
    assert_eq!(items.len(), 4, "{items:?}");
    let (_, listed) = api.get(&reader, "/api/v1/attention?kind=shop_stalled").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "filtered by kind");
    let open: i64 = listed["open"].as_array().unwrap().iter().map(|c| c["count"].as_i64().unwrap()).sum();
    assert_eq!(open, 4, "every open item counted, whatever the filter: {listed}");

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

    // The cures: the platform answers again, a second shipment lands, the
    // broken order is read whole.
    platform.sim.faults().clear();
    api.hub.sync_now("belment").await.unwrap();
    api.hub.fetch("belment", std::slice::from_ref(&broken)).await.unwrap();
    let (status, _) = api.post(&key, &path, &json!({"tracking_number": "SF2", "carrier_code": "SF"}), None).await;
    assert_eq!(status, 202);
    api.hub.run_due_jobs().await.unwrap();
    api.hub.sweep_attention().await.unwrap();
    let items = open_items(&api, &reader).await;
    assert_eq!(items.iter().map(|i| i["kind"].as_str().unwrap()).collect::<Vec<_>>(), ["shop_paused"], "{items:?}");
    let (_, closed) = api.get(&reader, "/api/v1/attention?open=false").await;
    let closed = closed["items"].as_array().unwrap();
    assert_eq!(closed.len(), 3);
    assert!(closed.iter().all(|i| i["cleared_at"].is_string() && i["dismissed_at"].is_null()), "{closed:?}");
    let (_, feed) = api.get(&reader, "/api/v1/events?limit=1000").await;
    let mut told: Vec<i64> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "attention.closed")
        .map(|e| e["attention"]["id"].as_i64().unwrap())
        .collect();
    let mut cleared: Vec<i64> = closed.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    told.sort();
    cleared.sort();
    assert_eq!(told, cleared, "each item that closed is in the feed once");

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

/// A deadline over a clock the test controls: nothing until the warning,
/// then one item, a warning that turns critical once late, closed by the
/// shipment the platform then shows; the order carries its `ship_by`
/// (its payment time on the platform plus 48 h) and is listed by it.
#[tokio::test]
async fn a_deadline_warns_turns_late_and_closes_when_the_order_ships() {
    use jiff::{SignedDuration, Timestamp};
    use orderhub_sync::attention::{SweptShop, sweep};
    use orderhub_sync::{ShipDeadline, WithDeadlines};

    let platform = shoptima(30).await;
    let db = TestDatabase::sqlite();
    let deadline = ShipDeadline::DEFAULT;
    let mut shop = belment(&platform);
    shop.connector = WithDeadlines::wrap(shop.connector, deadline);
    shop.ship_deadline = Some(deadline);
    let api = Api::start_scheduled(&db.url, vec![(shop, Duration::from_secs(3600))], vec![]).await;
    let (key, reader) = (api.key(Scope::Write, false).await, api.key(Scope::Read, false).await);
    api.hub.sync_now("belment").await.unwrap();

    let number = shippable(&platform);
    let id = format!("shoptima:belment:{number}");
    let truth = platform.sim.truth().into_iter().find(|o| o["order_num"] == number.as_str()).unwrap();
    let paid = Timestamp::from_second(truth["pay_time"].as_i64().unwrap()).unwrap();
    let (_, order) = api.get(&reader, &format!("/api/v1/orders/{id}")).await;
    let ship_by: Timestamp = order["ship_by"].as_str().unwrap().parse().unwrap();
    assert_eq!(ship_by, paid.checked_add(SignedDuration::from_hours(48)).unwrap());

    // Listed by it: every order due before the bound, ours among them.
    let bound = ship_by.checked_add(SignedDuration::from_secs(1)).unwrap();
    let (status, due) = api.get(&reader, &format!("/api/v1/orders?ship_by_before={bound}&limit=100")).await;
    assert_eq!(status, 200, "{due}");
    let due = due["orders"].as_array().unwrap();
    assert!(due.iter().any(|o| o["id"] == id.as_str()));
    assert!(due.iter().all(|o| o["ship_by"].as_str().unwrap().parse::<Timestamp>().unwrap() < bound), "{due:?}");

    let shops = [SweptShop {
        key: "belment",
        platform: "shoptima",
        sync_every: Duration::from_secs(3600),
        deadline: Some(deadline),
    }];
    let cause = format!("ship_deadline:{id}");
    let item_at = async |hours_from_deadline: i64| {
        let now = ship_by.checked_add(SignedDuration::from_secs(hours_from_deadline * 3600 + 1)).unwrap();
        sweep(&api.store, &shops, now).await.unwrap();
        let (_, listed) = api.get(&reader, "/api/v1/attention?open=all&kind=ship_deadline&limit=500").await;
        listed["items"].as_array().unwrap().iter().find(|i| i["cause"] == cause.as_str()).cloned()
    };
    assert_eq!(item_at(-13).await, None, "13 hours before the deadline, nothing");
    let warned = item_at(-11).await.expect("11 hours before, a warning");
    assert_eq!((&warned["severity"], &warned["order_id"]), (&json!("warning"), &json!(id)));
    assert!(warned["reason"].as_str().unwrap().contains("must ship by"), "{warned}");
    let late = item_at(0).await.unwrap();
    assert_eq!((&late["id"], &late["severity"]), (&warned["id"], &json!("critical")), "the same item, now critical");
    assert!(late["reason"].as_str().unwrap().contains("is late"), "{late}");

    // Shipped: the platform shows it, the order has no deadline, the item closes.
    let path = format!("/api/v1/orders/{id}/shipments");
    let (status, _) = api.post(&key, &path, &json!({"tracking_number": "SF9", "carrier_code": "SF"}), None).await;
    assert_eq!(status, 202);
    api.hub.run_due_jobs().await.unwrap();
    api.hub.sync_now("belment").await.unwrap();
    let (_, order) = api.get(&reader, &format!("/api/v1/orders/{id}")).await;
    assert_eq!((&order["status"], &order["ship_by"]), (&json!("shipped"), &Value::Null));
    let closed = item_at(0).await.unwrap();
    assert!(closed["cleared_at"].is_string(), "{closed}");
}

/// A supplier's purchases whose shop order is ambiguous (two shops have the
/// number) or missing: listed for a person (the missing one after an hour,
/// on a clock the test sets), with the candidates; the missing one closes
/// once its shop order arrives and the link is made.
#[tokio::test]
async fn unresolved_supplier_links_are_listed_until_the_link_is_made() {
    use jiff::{SignedDuration, Timestamp};
    use orderhub_model::{LinkRelation, OrderLink, Role};
    use orderhub_sync::attention::{DANGLING_AFTER, SweptShop, sweep};

    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    let reader = api.key(Scope::Read, false).await;
    let sale = |shop: &str, number: &str| {
        let mut order = crate::order(number, 1_700_000_000, 1_700_000_000);
        order.shop = shop.into();
        order.id = orderhub_model::hub_id(order.platform, shop, number);
        order
    };
    let purchase = |number: &str, names: &str| {
        let mut order = sale("westmoon", number);
        order.platform = orderhub_connectors::westmonth::PLATFORM;
        order.id = orderhub_model::hub_id(order.platform, "westmoon", number);
        order.role = Role::Purchase;
        order.links = vec![OrderLink { relation: LinkRelation::Fulfils, order_number: names.into(), order_id: None }];
        order
    };
    api.store.write_batch("belment", &[sale("belment", "S-9")], &[], None).await.unwrap();
    api.store.write_batch("fengxi", &[sale("fengxi", "S-9")], &[], None).await.unwrap();
    let purchases = [purchase("P-9", "S-9"), purchase("P-0", "S-0")];
    api.store.write_batch("westmoon", &purchases, &[], None).await.unwrap();

    let shops = ["belment", "fengxi", "westmoon"].map(|key| SweptShop {
        key,
        platform: if key == "westmoon" { "westmonth" } else { "shoptima" },
        sync_every: Duration::from_secs(3600),
        deadline: None,
    });
    let items_at = async |now: Timestamp| {
        sweep(&api.store, &shops, now).await.unwrap();
        let (_, listed) = api.get(&reader, "/api/v1/attention?kind=link_unresolved").await;
        listed["items"].as_array().unwrap().clone()
    };
    let now = Timestamp::now();
    let items = items_at(now).await;
    assert_eq!(items.len(), 1, "the ambiguous one at once, the missing one not yet: {items:?}");
    let ambiguous = &items[0];
    assert_eq!(
        (&ambiguous["order_id"], &ambiguous["shop"], &ambiguous["platform"]),
        (&json!("westmonth:westmoon:P-9"), &json!("westmoon"), &json!("westmonth"))
    );
    let reason = ambiguous["reason"].as_str().unwrap();
    assert!(reason.contains("shoptima:belment:S-9, shoptima:fengxi:S-9"), "{reason}");

    let later = now.checked_add(DANGLING_AFTER).unwrap().checked_add(SignedDuration::from_secs(1)).unwrap();
    let items = items_at(later).await;
    assert_eq!(items.len(), 2, "{items:?}");
    let missing = find(&items, "link_unresolved:westmonth:westmoon:P-0:S-0").expect("the missing one, after an hour");
    assert!(missing["reason"].as_str().unwrap().contains("which no stored order has"), "{missing}");

    // The shop order arrives: linked, and the item closes by itself.
    api.store.write_batch("belment", &[sale("belment", "S-0")], &[], None).await.unwrap();
    let items = items_at(later).await;
    assert_eq!(
        items.iter().map(|i| i["cause"].as_str().unwrap()).collect::<Vec<_>>(),
        [ambiguous["cause"].as_str().unwrap()]
    );
    let (_, order) = api.get(&reader, "/api/v1/orders/westmonth:westmoon:P-0").await;
    assert_eq!(order["links"][0]["order_id"], "shoptima:belment:S-0");
}
