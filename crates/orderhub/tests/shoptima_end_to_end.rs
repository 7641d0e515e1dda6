//! Shoptima end to end over real HTTP: sync 1,000 generated orders into a fresh
//! SQLite file, compare the export with the simulator's truth field by field,
//! sync again (nothing new), ship an order and see it come back shipped.
//!
//! The expected canonical values are computed here from the simulator's truth
//! by the rules of `docs/platforms/shoptima.md`, independently of the normaliser.

mod common;

use common::{amount as decimal, unix_instant as instant};

use common::{Harness, TOKEN, assert_success, stdout};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

fn null_if_empty(value: &Value) -> Value {
    match value {
        Value::String(s) if s.is_empty() => Value::Null,
        other => other.clone(),
    }
}

/// Checks one exported order against the platform's truth, field by field.
fn assert_matches_truth(order: &Value, truth: &Value) {
    let number = truth["order_num"].as_str().unwrap();
    let context = format!("order {number}");
    assert_eq!(order["id"], format!("shoptima:belment:{number}"), "{context}");
    assert_eq!(order["platform"], "shoptima", "{context}");
    assert_eq!(order["shop"], "belment", "{context}");
    assert_eq!(order["order_number"], number, "{context}");
    assert_eq!(&order["raw"], truth, "{context}: raw payload verbatim");

    let (status, refund_type) = (truth["status"].as_i64().unwrap(), truth["refund_type"].as_i64().unwrap());
    let expected_status = match (status, refund_type) {
        (_, 3) => "cancelled",
        (0, _) => "pending_payment",
        (1 | 3, _) => "awaiting_shipment",
        (2, _) => "shipped",
        other => panic!("unexpected {other:?}"),
    };
    let expected_payment = match (status, refund_type) {
        (0, _) => "unpaid",
        (_, 2) => "partially_refunded",
        (_, 3) => "refunded",
        _ => "paid",
    };
    let expected_refund = ["none", "requested", "partial", "full"][refund_type as usize];
    assert_eq!(order["status"], expected_status, "{context}");
    assert_eq!(order["payment_status"], expected_payment, "{context}");
    assert_eq!(order["refund_status"], expected_refund, "{context}");
    assert_eq!(order["fulfillment_status"], if status == 2 { "fulfilled" } else { "unfulfilled" }, "{context}");
    assert_eq!(order["platform_status"]["code"], status.to_string(), "{context}");

    let subtotal = decimal(&truth["order_price"]);
    let shipping = decimal(&truth["shipping_money"]);
    let discount = decimal(&truth["off_price"]) + decimal(&truth["coupons_discount_price"]);
    let stated = decimal(&truth["total"]);
    let total = if stated > Decimal::ZERO { stated } else { subtotal + shipping - discount };
    assert_eq!(decimal(&order["subtotal"]), subtotal, "{context}");
    assert_eq!(order["subtotal"], truth["order_price"], "{context}: exact text");
    assert_eq!(decimal(&order["shipping"]), shipping, "{context}");
    assert_eq!(decimal(&order["discount"]), discount, "{context}");
    assert_eq!(decimal(&order["total"]), total, "{context}");
    let paid = if status == 0 { Decimal::ZERO } else { total };
    assert_eq!(decimal(&order["paid"]), paid, "{context}");
    assert_eq!(order["currency"], truth["currency"], "{context}");

    assert_eq!(order["created_at"], instant(&truth["order_time"]), "{context}");
    assert_eq!(order["paid_at"], instant(&truth["pay_time"]), "{context}");
    assert_eq!(order["shipped_at"], instant(&truth["shipping_time"]), "{context}");

    assert_eq!(order["customer"]["email"], truth["email"], "{context}");
    assert_eq!(order["customer"]["phone"], truth["phone"], "{context}");
    assert_eq!(order["customer"]["name"], truth["full_name"], "{context}");
    let address = &order["shipping_address"];
    assert_eq!(address["country_code"], truth["country"], "{context}");
    assert_eq!(address["province"], truth["province"], "{context}");
    assert_eq!(address["city"], truth["city"], "{context}");
    let district = if truth["district"].is_null() { &truth["area"] } else { &truth["district"] };
    assert_eq!(address["district"], *district, "{context}");
    assert_eq!(address["address1"], truth["address"], "{context}");
    assert_eq!(address["address2"], null_if_empty(&truth["address2"]), "{context}");
    assert_eq!(address["postal_code"], truth["postcode"], "{context}");
    assert_eq!(address["company"], truth["company"], "{context}");

    let goods = truth["order_goods"].as_array().unwrap();
    let items = order["items"].as_array().unwrap();
    assert_eq!(items.len(), goods.len(), "{context}: items");
    for (i, (item, g)) in items.iter().zip(goods).enumerate() {
        assert_eq!(item["line_id"], (i + 1).to_string(), "{context}");
        assert_eq!(item["sku"], g["sku"], "{context}");
        assert_eq!(item["title"], g["goods_title"], "{context}");
        assert_eq!(item["variant"], g["choose_spec"], "{context}");
        assert_eq!(item["quantity"], g["count"], "{context}");
        assert_eq!(item["unit_price"], g["price"], "{context}");
        assert_eq!(decimal(&item["total"]), decimal(&g["price"]) * decimal(&g["count"]), "{context}");
        assert_eq!(item["image_url"], g["mask"], "{context}");
    }
    let expected_shipments = match truth["tracking_number"].as_str() {
        Some(tracking) => json!([{
            "tracking_number": tracking,
            "carrier_code": truth["shipping_channel_code"],
            "carrier_name": null,
            "shipped_at": instant(&truth["shipping_time"]),
        }]),
        None => json!([]),
    };
    assert_eq!(order["shipments"], expected_shipments, "{context}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_export_resync_and_ship_against_the_simulator() {
    let h = Harness::start(1000, 7).await;
    h.write_config(TOKEN, &h.base_url);

    // First sync: every order arrives.
    let report = common::sync_once(h.dir.path()).await;
    assert_eq!(report["orders"]["new"], 1000);

    let truth: HashMap<String, Value> =
        h.sim.truth().into_iter().map(|o| (o.get("order_num").unwrap().as_str().unwrap().to_string(), o)).collect();
    let exported = h.export().await;
    assert_eq!(exported.len(), truth.len(), "count");
    let ids: HashSet<&str> = exported.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), exported.len(), "no duplicates");
    for order in &exported {
        let number = order["order_number"].as_str().unwrap();
        assert_matches_truth(order, truth.get(number).unwrap_or_else(|| panic!("{number} is not on the platform")));
    }
    // The generated set covers what the mapping must handle.
    for status in ["pending_payment", "awaiting_shipment", "shipped", "cancelled"] {
        assert!(exported.iter().any(|o| o["status"] == status), "no {status} order in the set");
    }

    // `orders list` says when more orders match than it shows.
    let listed = stdout(&h.orderhub(&["orders", "list", "--limit", "5"]).await);
    let last = listed.lines().last().unwrap_or_default();
    assert!(last.starts_with("5 orders shown, the newest; more match: raise --limit"), "{listed}");
    assert_eq!(listed.lines().count(), 1 + 5 + 1, "header, five rows, the count: {listed}");
    let listed = stdout(&h.orderhub(&["orders", "list", "--limit", "5000"]).await);
    assert_eq!(listed.lines().last(), Some("1000 orders"), "all of them, nothing more to say");

    // Second sync: nothing new, nothing changed, no event.
    let store = h.store().await;
    let events_before = store.event_count().await.unwrap();
    assert_eq!(events_before, 1000);
    let report = common::sync_once(h.dir.path()).await;
    let orders = &report["orders"];
    assert_eq!((orders["new"].clone(), orders["changed"].clone()), (json!(0), json!(0)), "{report}");
    assert_eq!(orders["unchanged"], 1000);
    assert_eq!(store.order_count().await.unwrap(), 1000);
    assert_eq!(store.event_count().await.unwrap(), events_before);

    // Ship a paid order: the simulator's truth changes, and the store follows.
    let target = truth
        .values()
        .find(|o| o["status"] == 1 && o["is_refund"] == 0)
        .map(|o| o["order_num"].as_str().unwrap().to_string())
        .unwrap();
    let out = h
        .orderhub(&["ship", "--shop", "belment", "--order", &target, "--tracking", "SF1234567890", "--carrier", "SF"])
        .await;
    assert_success(&out);
    assert!(stdout(&out).contains("发货成功"), "{}", stdout(&out));
    let on_platform = h.sim.truth().into_iter().find(|o| o["order_num"] == target.as_str()).unwrap();
    assert_eq!(
        (on_platform["status"].clone(), on_platform["tracking_number"].clone()),
        (json!(2), json!("SF1234567890"))
    );

    let out = h.orderhub(&["sync", "--once"]).await;
    assert_success(&out);
    let id = format!("shoptima:belment:{target}");
    let order = store.order(&id).await.unwrap().unwrap();
    assert_eq!(order.status.as_str(), "shipped");
    assert_eq!(order.shipments.len(), 1);
    assert_eq!(order.shipments[0].tracking_number, "SF1234567890");
    assert_eq!(order.shipments[0].carrier_code.as_deref(), Some("SF"));
    assert!(order.shipped_at.is_some());
    let events = store.events(&id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["created", "changed"], "one new event");
    let changed: Vec<&str> = events[1].changes.iter().map(|c| c.field.as_str()).collect();
    assert!(changed.contains(&"status") && changed.contains(&"shipments"), "{changed:?}");
    assert_eq!(store.event_count().await.unwrap(), events_before + 1, "no other order changed");

    // The whole store still equals the platform.
    let truth: HashMap<String, Value> =
        h.sim.truth().into_iter().map(|o| (o["order_num"].as_str().unwrap().to_string(), o)).collect();
    let exported = h.export().await;
    assert_eq!(exported.len(), truth.len());
    for order in &exported {
        // The shipped order was stored from the detail endpoint, whose payload
        // adds `fahuo_time`; the sync's list payload replaced it, without an event.
        assert_matches_truth(order, &truth[order["order_number"].as_str().unwrap()]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_orders_and_unpaid_orders_are_not_missed() {
    // The list hides refund orders unless is_refund=1, and unpaid ones unless
    // time_type=2: a connector that forgets either loses orders here.
    let h = Harness::start(400, 11).await;
    h.write_config(TOKEN, &h.base_url);
    assert_success(&h.orderhub(&["sync", "--once"]).await);
    let truth = h.sim.truth();
    let refunds = truth.iter().filter(|o| o["is_refund"] == 1).count();
    let unpaid = truth.iter().filter(|o| o["status"] == 0).count();
    assert!(refunds > 0 && unpaid > 0);
    let exported = h.export().await;
    assert_eq!(exported.iter().filter(|o| o["raw"]["is_refund"] == 1).count(), refunds);
    assert_eq!(exported.iter().filter(|o| o["payment_status"] == "unpaid").count(), unpaid);
    assert_eq!(exported.len(), truth.len());
    let requests = h.sim.requests();
    let pages = requests["GET /order"];
    // Two partitions, 120 rows a page: the fewest calls that can read them.
    let (plain, refund) = ((truth.len() - refunds) as u64, refunds as u64);
    assert_eq!(pages, plain.div_ceil(120) + refund.div_ceil(120), "{requests:?}");
}
