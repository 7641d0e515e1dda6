//! Damaijia (Douyin shops) end to end over real HTTP: amounts in fen, exact
//! product ids, encrypted buyer fields, 0-based pages; and a spent quota (204)
//! fails only its own shop while another shop in the same run syncs.
//!
//! Expected values are computed here from the truth by the rules of
//! `docs/platforms/damaijia.md`, independently of the normaliser.

mod common;

use common::unix_instant as instant;

use common::{Harness, TOKEN, assert_success, run_orderhub, stderr, stdout};
use orderhub_sandbox::{DamaijiaConfig, DamaijiaSim, serve};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::HashMap;

fn yuan(fen: &Value) -> Decimal {
    Decimal::new(fen.as_i64().unwrap(), 2)
}

fn assert_matches_truth(order: &Value, truth: &Value) {
    let id = truth["order_id"].as_str().unwrap();
    let ctx = format!("order {id}");
    assert_eq!(order["id"], format!("damaijia:taoyitao:{id}"), "{ctx}");
    assert_eq!(&order["raw"], truth, "{ctx}");
    let refunded = truth["main_status"] == 21;
    let expected_status = match truth["order_status"].as_i64().unwrap() {
        _ if refunded => "cancelled",
        1 => "pending_payment",
        105 | 2 => "awaiting_shipment",
        3 => "shipped",
        4 => "cancelled",
        5 => "completed",
        other => panic!("{other}"),
    };
    assert_eq!(order["status"], expected_status, "{ctx}");
    let paid = truth["pay_time"].as_i64().unwrap() > 0;
    let refunds: Vec<i64> = truth["sku_order_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["after_sale_info"]["refund_status"].as_i64().unwrap())
        .collect();
    let expected_refund = if refunded || refunds.iter().all(|r| *r == 3) {
        "full"
    } else if refunds.contains(&3) {
        "partial"
    } else if refunds.iter().any(|r| *r == 1 || *r == 2) {
        "requested"
    } else {
        "none"
    };
    assert_eq!(order["refund_status"], expected_refund, "{ctx}");
    let expected_payment = match (paid, expected_refund) {
        (false, _) => "unpaid",
        (true, "full") => "refunded",
        (true, "partial") => "partially_refunded",
        _ => "paid",
    };
    assert_eq!(order["payment_status"], expected_payment, "{ctx}");
    assert_eq!(order["total"], yuan(&truth["order_amount"]).to_string(), "{ctx}");
    assert_eq!(order["shipping"], yuan(&truth["post_amount"]).to_string(), "{ctx}");
    assert_eq!(order["discount"], yuan(&truth["promotion_amount"]).to_string(), "{ctx}");
    let paid_amount = if paid { yuan(&truth["pay_amount"]) } else { Decimal::ZERO };
    assert_eq!(order["paid"].as_str().unwrap().parse::<Decimal>().unwrap(), paid_amount, "{ctx}");
    for (canonical, wire) in [
        ("created_at", "create_time"),
        ("updated_at", "update_time"),
        ("paid_at", "pay_time"),
        ("shipped_at", "ship_time"),
        ("completed_at", "finish_time"),
    ] {
        assert_eq!(order[canonical], instant(&truth[wire]), "{ctx}: {canonical}");
    }
    // Buyer fields: the ciphertext, kept and marked, never shown as if plain.
    assert_eq!(
        order["customer"]["phone"],
        format!("encrypted:{}", truth["encrypt_post_tel"].as_str().unwrap()),
        "{ctx}"
    );
    assert_eq!(
        order["shipping_address"]["name"],
        format!("encrypted:{}", truth["encrypt_post_receiver"].as_str().unwrap()),
        "{ctx}"
    );
    assert_eq!(
        order["shipping_address"]["address1"],
        format!("encrypted:{}", truth["post_addr"]["encrypt_detail"].as_str().unwrap()),
        "{ctx}"
    );
    assert_eq!(order["shipping_address"]["province"], truth["post_addr"]["province"]["name"], "{ctx}");
    assert_eq!(order["shipping_address"]["district"], truth["post_addr"]["town"]["name"], "{ctx}");
    let skus = truth["sku_order_list"].as_array().unwrap();
    let items = order["items"].as_array().unwrap();
    assert_eq!(items.len(), skus.len(), "{ctx}");
    for (item, sku) in items.iter().zip(skus) {
        assert_eq!(item["line_id"], sku["order_id"], "{ctx}");
        assert_eq!(item["product_id"], sku["product_id_str"], "{ctx}: exact product id");
        assert_ne!(item["product_id"].as_str().unwrap(), sku["product_id"].to_string(), "{ctx}: not the lossy one");
        assert_eq!(item["sku_id"], sku["sku_id"].to_string(), "{ctx}");
        assert_eq!(item["quantity"], sku["item_num"], "{ctx}");
        assert_eq!(item["unit_price"], yuan(&sku["origin_amount"]).to_string(), "{ctx}");
        assert_eq!(item["total"], yuan(&sku["sum_amount"]).to_string(), "{ctx}");
    }
    let shipments: Vec<Value> = truth["logistics_info"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| json!({"tracking_number": l["tracking_no"], "carrier_code": l["company"], "carrier_name": l["company_name"], "shipped_at": instant(&l["ship_time"])}))
        .collect();
    assert_eq!(order["shipments"], json!(shipments), "{ctx}");
}

async fn start_damaijia(orders: u64) -> (DamaijiaSim, orderhub_sandbox::Running, DamaijiaConfig) {
    let config = DamaijiaConfig { token: "dmj-e2e".into(), orders, seed: 29, ..DamaijiaConfig::default() };
    let sim = DamaijiaSim::new(&config);
    let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
    (sim, running, config)
}

fn damaijia_shop(base_url: &str, config: &DamaijiaConfig) -> String {
    format!(
        "\n[[shops]]\nkey = \"taoyitao\"\nplatform = \"damaijia\"\nbase_url = \"{base_url}\"\ntoken = \"{}\"\n\
         remote_shop_id = \"{}\"\nsync_from = \"2000-01-01T00:00:00Z\"\n",
        config.token, config.shop_id
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_equals_the_truth_in_yuan_with_exact_ids_and_encrypted_buyers() {
    let (sim, running, config) = start_damaijia(10_000).await;
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[database]\nurl = \"sqlite://{}\"\n{}",
        dir.path().join("d.db").display(),
        damaijia_shop(&running.base_url, &config)
    );
    std::fs::write(dir.path().join("orderhub.toml"), text).unwrap();
    let report = common::sync_once(dir.path()).await;
    assert_eq!(report["orders"]["new"], 10_000);
    // 100 pages of 100, one call that learns the platform's clock, and a
    // page far into the window asked for beside its first (where answers
    // carry no total, it tells whether a first sync is worth splitting).
    assert_eq!(report["api_calls"], 102);
    let truth: HashMap<String, Value> =
        sim.truth().into_iter().map(|o| (o["order_id"].as_str().unwrap().to_string(), o)).collect();
    let out = run_orderhub(dir.path(), &["orders", "export"]).await;
    assert_success(&out);
    let exported: Vec<Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(exported.len(), truth.len());
    for order in &exported {
        assert_matches_truth(order, &truth[order["order_number"].as_str().unwrap()]);
    }
    // `orders show` says the buyer's fields are encrypted, not their ciphertext.
    let encrypted =
        exported.iter().find(|o| o["customer"]["name"].as_str().is_some_and(|n| n.starts_with("encrypted:")));
    let id = encrypted.expect("an order with an encrypted buyer")["id"].as_str().unwrap();
    let shown = stdout(&run_orderhub(dir.path(), &["orders", "show", id]).await);
    let buyer = shown.lines().find(|l| l.starts_with("buyer ")).unwrap_or_default();
    assert!(buyer.starts_with("buyer name [encrypted]") && !buyer.contains("<->"), "{shown}");
    assert!(!shown.contains("encrypted:"), "no ciphertext on the screen: {shown}");
    // A second sync adds nothing.
    let report = common::sync_once(dir.path()).await;
    let orders = &report["orders"];
    assert_eq!((orders["new"].clone(), orders["changed"].clone()), (json!(0), json!(0)), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_quota_fails_only_its_own_shop() {
    let h = Harness::start(150, 2).await;
    let (sim, running, config) = start_damaijia(120).await;
    let config_path = h.write_config(TOKEN, &h.base_url);
    let mut text = std::fs::read_to_string(&config_path).unwrap();
    text.push_str(&damaijia_shop(&running.base_url, &config));
    std::fs::write(&config_path, text).unwrap();
    sim.fail_next(&[204]);

    let out = h.orderhub(&["sync", "--once"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: shop \"taoyitao\": damaijia: platform error 204:"), "{err}");
    assert!(err.contains("top up"), "says what to do: {err}");
    let store = h.store().await;
    assert_eq!(store.order_count().await.unwrap(), 150, "the Shoptima shop synced in the same run");

    // The shop is paused with the reason, visible to a person; the other is not.
    let out = h.orderhub(&["shops", "--json"]).await;
    assert_success(&out);
    let shops: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let by_key = |key: &str| shops.as_array().unwrap().iter().find(|s| s["key"] == key).unwrap().clone();
    assert!(by_key("taoyitao")["paused"]["reason"].as_str().unwrap().contains("204"), "{shops}");
    assert_eq!(by_key("belment")["paused"], Value::Null);
    assert_eq!(by_key("taoyitao")["last_run"]["outcome"], "failed");

    // Quota back: a sync a person asks for runs, completes the shop, and clears the pause.
    assert_success(&h.orderhub(&["sync", "--once", "--shop", "taoyitao"]).await);
    assert_eq!(store.order_count().await.unwrap(), 270);
    let out = h.orderhub(&["shops", "--json"]).await;
    let shops: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(shops.as_array().unwrap().iter().find(|s| s["key"] == "taoyitao").unwrap()["paused"], Value::Null);
}
