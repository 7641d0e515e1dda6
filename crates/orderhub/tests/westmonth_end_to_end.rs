//! Westmonth end to end over real HTTP: sync by update-time windows written as
//! China wall-clock strings, compare the export with the simulator's truth
//! field by field, and fetch an order by number.
//!
//! Expected values are computed here from the truth by the rules of
//! `docs/platforms/westmonth.md`, independently of the normaliser.

mod common;

use common::china_instant as instant;

use common::{assert_success, run_orderhub, stdout};
use orderhub_sandbox::{WestmonthConfig, WestmonthSim, serve};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::HashMap;

const TOKEN: &str = "westmonth-e2e-token";

fn amount(value: &Value) -> Decimal {
    let text: String = value.as_str().unwrap().chars().filter(|c| c.is_ascii_digit() || *c == '.').collect();
    text.parse().unwrap()
}

/// A China wall-clock string as an RFC 3339 UTC instant.
fn assert_matches_truth(order: &Value, truth: &Value) {
    let number = truth["number"].as_str().unwrap();
    let ctx = format!("order {number}");
    assert_eq!(order["id"], format!("westmonth:westmoon:{number}"), "{ctx}");
    assert_eq!(&order["raw"], truth, "{ctx}");
    assert_eq!(order["platform_order_id"], truth["id"].to_string(), "{ctx}");
    let expected_status = match truth["status"].as_str().unwrap() {
        "unpaid" => "pending_payment",
        "paid" => "awaiting_shipment",
        "shipped" => "shipped",
        "completed" => "completed",
        "cancelled" => "cancelled",
        other => panic!("{other}"),
    };
    assert_eq!(order["status"], expected_status, "{ctx}");
    assert_eq!(
        order["payment_status"],
        ["unpaid", "paid", "failed"][truth["pay_status"].as_u64().unwrap() as usize],
        "{ctx}"
    );
    assert_eq!(order["platform_status"]["label"], truth["status_format"], "{ctx}");
    assert_eq!(order["total"], truth["total"], "{ctx}");
    assert_eq!(amount(&order["shipping"]), amount(&truth["freight"]), "{ctx}");
    assert_eq!(amount(&order["subtotal"]), amount(&truth["product_total"]), "{ctx}");
    assert_eq!(amount(&order["discount"]), amount(&truth["total_original"]) - amount(&truth["total"]), "{ctx}");
    let paid = if truth["pay_status"] == 1 { amount(&truth["pay_amount"]) } else { Decimal::ZERO };
    assert_eq!(amount(&order["paid"]), paid, "{ctx}");
    assert_eq!(order["currency"], truth["currency_code"], "{ctx}");
    assert_eq!(order["created_at"], instant(&truth["created_at"]), "{ctx}");
    assert_eq!(order["updated_at"], instant(&truth["updated_at"]), "{ctx}");
    let paid_at = if truth["pay_status"] == 1 { instant(&truth["pay_time"]) } else { Value::Null };
    assert_eq!(order["paid_at"], paid_at, "{ctx}");
    assert_eq!(order["customer"]["id"], truth["customer_id"].to_string(), "{ctx}");
    let skus = truth["skus"].as_array().unwrap();
    let items = order["items"].as_array().unwrap();
    assert_eq!(items.len(), skus.len(), "{ctx}");
    for (item, sku) in items.iter().zip(skus) {
        assert_eq!(item["sku"], sku["product_sku"], "{ctx}");
        assert_eq!(amount(&item["unit_price"]), amount(&sku["price_format"]), "{ctx}");
        assert_eq!(amount(&item["total"]), amount(&sku["total_price_format"]), "{ctx}");
        let quantity = amount(&sku["total_price_format"]) / amount(&sku["price_format"]);
        assert_eq!(Decimal::from(item["quantity"].as_u64().unwrap()), quantity, "{ctx}");
    }
    let shipments = match truth["shipment_no"].as_str() {
        Some("") | None => json!([]),
        Some(no) => json!([{
            "tracking_number": no,
            "carrier_code": truth["logistics_company_code"],
            "carrier_name": truth["logistics_company_name"],
            "shipped_at": null,
        }]),
    };
    assert_eq!(order["shipments"], shipments, "{ctx}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_by_wall_clock_windows_equals_the_truth() {
    let config = WestmonthConfig { token: TOKEN.into(), orders: 10_000, seed: 17, ..WestmonthConfig::default() };
    let sim = WestmonthSim::new(&config);
    let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("orderhub.toml"),
        format!(
            "[database]\nurl = \"sqlite://{}\"\n\n[[shops]]\nkey = \"westmoon\"\nplatform = \"westmonth\"\n\
             base_url = \"{}\"\ntoken = \"{TOKEN}\"\nsync_from = \"2000-01-01T00:00:00Z\"\n",
            dir.path().join("w.db").display(),
            running.base_url
        ),
    )
    .unwrap();
    let report = common::sync_once(dir.path()).await;
    assert_eq!(report["orders"]["new"], 10_000);
    // 100 pages of 100, read in eight spans at once (and one for the years
    // before the first order), with: one call that learns the platform's
    // clock, the whole window's first page and one far into it (which show
    // it is worth splitting), a partly empty last page for each span, and
    // one that checks nothing moved while the spans were paged.
    let calls = report["api_calls"].as_u64().unwrap();
    assert!((102..=100 + 1 + 2 + 9 + 1).contains(&calls), "{calls} API calls");

    let truth: HashMap<String, Value> =
        sim.truth().into_iter().map(|o| (o["number"].as_str().unwrap().to_string(), o)).collect();
    let out = run_orderhub(dir.path(), &["orders", "export"]).await;
    assert_success(&out);
    let exported: Vec<Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(exported.len(), truth.len());
    for order in &exported {
        assert_matches_truth(order, &truth[order["order_number"].as_str().unwrap()]);
    }

    // A second sync adds nothing.
    let report = common::sync_once(dir.path()).await;
    let orders = &report["orders"];
    assert_eq!((orders["new"].clone(), orders["changed"].clone()), (json!(0), json!(0)), "{report}");

    // Exact lookups of many orders through `order_numbers`: 250 numbers, 3 calls.
    let numbers: Vec<&str> = truth.keys().take(250).map(String::as_str).collect();
    let before = sim.requests()["POST /openapi/v2/order/status"];
    let mut args = vec!["fetch", "--shop", "westmoon"];
    args.extend(&numbers);
    let out = run_orderhub(dir.path(), &args).await;
    assert_success(&out);
    assert!(stdout(&out).contains("fetched 250 order(s): 0 new, 0 changed, 250 unchanged"), "{}", stdout(&out));
    assert_eq!(sim.requests()["POST /openapi/v2/order/status"] - before, 3);
    let out = run_orderhub(dir.path(), &["fetch", "--shop", "westmoon", "aOP0000000000000"]).await;
    assert_eq!(out.status.code(), Some(1));
}
