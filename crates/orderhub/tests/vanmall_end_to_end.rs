//! VanMall end to end over real HTTP: orders come in by number (`orderhub
//! fetch`), equal the simulator's truth field by field, and each sync re-reads
//! exactly the known orders that can still change.

mod common;

use common::china_instant as instant;

use common::{assert_success, run_orderhub, stdout};
use orderhub_sandbox::{VanmallConfig, VanmallSim, serve};
use serde_json::{Value, json};
use std::collections::HashMap;

fn assert_matches_truth(order: &Value, truth: &Value) {
    let number = truth["order_number"].as_str().unwrap();
    let ctx = format!("order {number}");
    assert_eq!(order["id"], format!("vanmall:fecshop:{number}"), "{ctx}");
    assert_eq!(&order["raw"], truth, "{ctx}");
    let (os, ps, fs) = (
        truth["order_status"].as_i64().unwrap(),
        truth["payment_status"].as_i64().unwrap(),
        truth["fulfillment_status"].as_i64().unwrap(),
    );
    let paid = ps >= 3;
    let expected_status = match os {
        4 => "cancelled",
        3 => "completed",
        1 => "pending_payment",
        _ if !paid => "pending_payment",
        _ if (4..=7).contains(&fs) => "shipped",
        _ => "awaiting_shipment",
    };
    assert_eq!(order["status"], expected_status, "{ctx}");
    assert_eq!(
        order["payment_status"],
        ["unpaid", "unpaid", "paid", "partially_refunded", "refunded"][ps as usize - 1],
        "{ctx}"
    );
    let fulfillment = match fs {
        4 => "partial",
        5..=7 => "fulfilled",
        8 => "returned",
        _ => "unfulfilled",
    };
    assert_eq!(order["fulfillment_status"], fulfillment, "{ctx}");
    assert_eq!(order["platform_status"]["code"], format!("{os}/{ps}/{fs}"), "{ctx}");
    assert_eq!(order["total"], truth["curr_grand_total"], "{ctx}");
    assert_eq!(order["subtotal"], truth["curr_subtotal"], "{ctx}");
    assert_eq!(order["shipping"], truth["curr_shipping_total"], "{ctx}");
    assert_eq!(order["discount"], truth["curr_subtotal_with_discount"], "{ctx}");
    assert_eq!(order["created_at"], instant(&truth["created_at"]), "{ctx}");
    assert_eq!(order["updated_at"], instant(&truth["updated_at"]), "{ctx}");
    assert_eq!(order["paid_at"], instant(&truth["payed_at"]), "{ctx}: 0 is never");
    assert_eq!(order["cancelled_at"], instant(&truth["cancelled_at"]), "{ctx}");
    assert_eq!(order["shipped_at"], instant(&truth["fulfilled_at"]), "{ctx}");
    assert_eq!(order["customer"]["email"], truth["customer_email"], "{ctx}");
    let address = &truth["shippingAddress"];
    assert_eq!(order["shipping_address"]["address1"], address["address_1"], "{ctx}");
    assert_eq!(order["shipping_address"]["postal_code"], address["zip"], "{ctx}");
    assert_eq!(order["shipping_address"]["country_code"], address["country_code"], "{ctx}");
    let item = &truth["items"][0];
    assert_eq!(order["items"][0]["line_id"], item["id"].to_string(), "{ctx}");
    assert_eq!(order["items"][0]["sku"], item["sku"], "{ctx}");
    assert_eq!(order["items"][0]["quantity"], item["qty"], "{ctx}");
    assert_eq!(order["items"][0]["total"], item["curr_row_price"], "{ctx}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_by_number_then_refresh_of_the_open_ones() {
    let config = VanmallConfig { token: "vm-e2e".into(), orders: 10_000, seed: 31, ..VanmallConfig::default() };
    let sim = VanmallSim::new(&config);
    let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("orderhub.toml"),
        format!(
            "[database]\nurl = \"sqlite://{}\"\n\n[[shops]]\nkey = \"fecshop\"\nplatform = \"vanmall\"\nbase_url = \"{}\"\ntoken = \"vm-e2e\"\n",
            dir.path().join("v.db").display(),
            running.base_url
        ),
    )
    .unwrap();
    let numbers = sim.order_numbers();
    let mut args = vec!["fetch", "--shop", "fecshop"];
    args.extend(numbers.iter().map(String::as_str));
    let out = run_orderhub(dir.path(), &args).await;
    assert_success(&out);
    assert!(stdout(&out).contains("fetched 10000 order(s): 10000 new"), "{}", stdout(&out));

    let truth: HashMap<String, Value> =
        sim.truth().into_iter().map(|o| (o["order_number"].as_str().unwrap().to_string(), o)).collect();
    let out = run_orderhub(dir.path(), &["orders", "export"]).await;
    let exported: Vec<Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(exported.len(), 10_000);
    for order in &exported {
        assert_matches_truth(order, &truth[order["order_number"].as_str().unwrap()]);
    }

    // Ship an open paid order and archive a cancelled one on the platform.
    let open: Vec<&Value> =
        exported.iter().filter(|o| !["completed", "cancelled"].contains(&o["status"].as_str().unwrap())).collect();
    let to_ship =
        exported.iter().find(|o| o["status"] == "awaiting_shipment").unwrap()["order_number"].as_str().unwrap();
    let final_one = exported.iter().find(|o| o["status"] == "cancelled").unwrap()["order_number"].as_str().unwrap();
    sim.mutate(to_ship, |o| {
        o["fulfillment_status"] = json!(5);
        o["fulfilled_at"] = json!("2026-11-20 10:00:00");
    });
    sim.mutate(final_one, |o| o["note"] = json!("changed after cancellation"));
    let before = sim.requests()["GET /manager/api/apps/openapi/order/info"];
    let report = common::sync_once(dir.path()).await;
    assert_eq!(report["orders"]["changed"], 1, "{report}");
    let calls = sim.requests()["GET /manager/api/apps/openapi/order/info"] - before;
    assert_eq!(calls as usize, open.len(), "only orders that can still change are re-read");
    let out = run_orderhub(dir.path(), &["orders", "show", to_ship, "--json"]).await;
    let shown: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(shown["order"]["status"], "shipped");
    assert_eq!(shown["events"].as_array().unwrap().len(), 2);
}
