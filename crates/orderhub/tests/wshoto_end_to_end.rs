//! Wshoto end to end over real HTTP: sync generated orders by update time into a
//! fresh SQLite file, compare the export with the simulator's truth field by
//! field, then change orders on the platform and see exactly those come back.
//!
//! Expected values are computed here from the truth by the rules of
//! `docs/platforms/wshoto.md`, independently of the normaliser.

mod common;

use common::{amount as decimal, unix_instant as instant};

use common::{assert_success, run_orderhub, stdout};
use orderhub_sandbox::{WshotoConfig, WshotoSim, serve};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::HashMap;

const TOKEN: &str = "wshoto-e2e-token";

fn assert_matches_truth(order: &Value, truth: &Value) {
    let code = truth["order_code"].as_str().unwrap();
    let ctx = format!("order {code}");
    assert_eq!(order["id"], format!("wshoto:fengxi:{code}"), "{ctx}");
    assert_eq!(&order["raw"], truth, "{ctx}: raw verbatim");
    let status = truth["status"].as_i64().unwrap();
    let refunded = matches!(truth["order_status_tag"].as_i64(), Some(3 | 8));
    let expected_status = if refunded {
        "cancelled"
    } else {
        ["pending_payment", "awaiting_shipment", "awaiting_shipment", "shipped", "completed", "cancelled"]
            [status as usize]
    };
    assert_eq!(order["status"], expected_status, "{ctx}");
    let expected_payment = if refunded {
        "refunded"
    } else if truth["pay_status"] == 1 {
        "paid"
    } else {
        "unpaid"
    };
    assert_eq!(order["payment_status"], expected_payment, "{ctx}");
    let expected_refund = match (refunded, truth["refund_status"].as_i64()) {
        (true, _) => "full",
        (false, Some(1)) => "requested",
        _ => "none",
    };
    assert_eq!(order["refund_status"], expected_refund, "{ctx}");
    assert_eq!(order["currency"], "CNY", "{ctx}");
    assert_eq!(decimal(&order["total"]), decimal(&truth["total_price"]), "{ctx}");
    assert_eq!(order["total"], truth["total_price"].to_string(), "{ctx}: the number's exact text");
    assert_eq!(decimal(&order["shipping"]), decimal(&truth["freight_price"]), "{ctx}");
    assert_eq!(decimal(&order["discount"]), decimal(&truth["coupon_price"]), "{ctx}");
    let paid = if expected_payment == "unpaid" { Decimal::ZERO } else { decimal(&truth["pay_price"]) };
    assert_eq!(decimal(&order["paid"]), paid, "{ctx}");
    for (canonical, wire) in [
        ("created_at", "create_time"),
        ("updated_at", "update_time"),
        ("paid_at", "pay_time"),
        ("shipped_at", "send_time"),
        ("completed_at", "finish_time"),
    ] {
        assert_eq!(order[canonical], instant(&truth[wire]), "{ctx}: {canonical}");
    }
    let cancelled = if expected_status == "cancelled" { instant(&truth["close_time"]) } else { Value::Null };
    assert_eq!(order["cancelled_at"], cancelled, "{ctx}");
    let address = &truth["order_address_info"];
    assert_eq!(order["shipping_address"]["name"], address["name"], "{ctx}");
    assert_eq!(order["shipping_address"]["phone"], address["mobile"], "{ctx}");
    assert_eq!(order["shipping_address"]["province"], address["province"], "{ctx}");
    assert_eq!(order["shipping_address"]["city"], address["city"], "{ctx}");
    assert_eq!(order["shipping_address"]["district"], address["district"], "{ctx}");
    assert_eq!(order["shipping_address"]["address1"], address["address"], "{ctx}");
    assert_eq!(order["customer"]["id"], truth["customer_id"], "{ctx}");
    let lines = truth["detail_list"].as_array().unwrap();
    let items = order["items"].as_array().unwrap();
    assert_eq!(items.len(), lines.len(), "{ctx}");
    for (item, line) in items.iter().zip(lines) {
        assert_eq!(item["line_id"], line["order_detail_id"].to_string(), "{ctx}");
        assert_eq!(item["sku_id"], line["sku_id"].to_string(), "{ctx}: every digit of sku_id");
        assert_eq!(item["product_id"], line["spu_id"].to_string(), "{ctx}");
        assert_eq!(item["sku"], line["sku_no"], "{ctx}");
        assert_eq!(item["quantity"], line["goods_num"], "{ctx}");
        assert_eq!(decimal(&item["unit_price"]), decimal(&line["goods_price"]), "{ctx}");
        assert_eq!(decimal(&item["total"]), decimal(&line["total_price"]) - decimal(&line["coupon_price"]), "{ctx}");
    }
    let shipments = match truth["express_no"].as_str() {
        Some(no) => {
            json!([{"tracking_number": no, "carrier_code": null, "carrier_name": truth["express_name"], "shipped_at": instant(&truth["send_time"])}])
        }
        None => json!([]),
    };
    assert_eq!(order["shipments"], shipments, "{ctx}");
}

async fn export(dir: &std::path::Path) -> Vec<Value> {
    let out = run_orderhub(dir, &["orders", "export"]).await;
    assert_success(&out);
    stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_by_update_time_equals_the_truth_and_follows_changes() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = WshotoConfig { access_token: TOKEN.into(), orders: 10_000, seed: 21, ..WshotoConfig::default() };
    let sim = WshotoSim::new(&config);
    let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("w.db").display());
    std::fs::write(
        dir.path().join("orderhub.toml"),
        format!(
            "[database]\nurl = \"{db}\"\n\n[[shops]]\nkey = \"fengxi\"\nplatform = \"wshoto\"\nbase_url = \"{}\"\n\
             token_env = \"WSHOTO_E2E_TOKEN\"\nsync_from = \"2000-01-01T00:00:00Z\"\n",
            running.base_url
        ),
    )
    .unwrap();
    // The token comes from the environment; the child process inherits it.
    // SAFETY: set before any thread of this test reads the environment concurrently.
    unsafe { std::env::set_var("WSHOTO_E2E_TOKEN", TOKEN) };

    let report = common::sync_once(dir.path()).await;
    assert_eq!(report["orders"]["new"], 10_000);
    // 100 pages of 100, one call that learns the platform's clock, and a
    // page far into the window asked for beside its first (where answers
    // carry no total, it tells whether a first sync is worth splitting).
    assert_eq!(report["api_calls"], 102);

    let truth: HashMap<String, Value> =
        sim.truth().into_iter().map(|o| (o["order_code"].as_str().unwrap().to_string(), o)).collect();
    let exported = export(dir.path()).await;
    assert_eq!(exported.len(), truth.len());
    for order in &exported {
        assert_matches_truth(order, &truth[order["order_number"].as_str().unwrap()]);
    }

    // Ship three orders waiting for shipment on the platform, a few seconds ago
    // (a run leaves the last two seconds to the next one).
    let now = jiff::Timestamp::now().as_second() - 5;
    let waiting: Vec<String> = truth
        .values()
        .filter(|o| o["status"] == 2)
        .take(3)
        .map(|o| o["order_code"].as_str().unwrap().to_string())
        .collect();
    for code in &waiting {
        assert!(sim.mutate(code, |o| {
            o.status = 3;
            o.send_time = Some(now);
            o.express_no = Some(format!("SF{code}"));
            o.express_name = Some("顺丰速运".into());
            o.update_time = now;
        }));
    }
    let report = common::sync_once(dir.path()).await;
    let orders = &report["orders"];
    assert_eq!((orders["new"].clone(), orders["changed"].clone()), (json!(0), json!(3)), "{report}");
    let truth: HashMap<String, Value> =
        sim.truth().into_iter().map(|o| (o["order_code"].as_str().unwrap().to_string(), o)).collect();
    let exported = export(dir.path()).await;
    assert_eq!(exported.len(), truth.len());
    for order in &exported {
        assert_matches_truth(order, &truth[order["order_number"].as_str().unwrap()]);
    }
    let store = orderhub_store::Store::open(&db).await.unwrap();
    assert_eq!(store.event_count().await.unwrap(), 10_003, "one event per new order, one per shipped order");
    for code in &waiting {
        let events = store.events(&format!("wshoto:fengxi:{code}")).await.unwrap();
        assert_eq!(events.len(), 2);
        assert!(events[1].changes.iter().any(|c| c.field == "status" && c.to == "shipped"));
    }
}
