//! Write-back through the outbox, against a Shoptima simulator: stored first,
//! sent once, never twice, surviving restarts and lost answers.

use crate::{Api, assert_error, belment, order, shoptima};
use orderhub_sandbox::FaultKind;
use orderhub_server::auth::Scope;
use serde_json::{Value, json};
use std::time::Duration;

const SHIP: &str = "POST /order/shippingOrders";

/// A paid, unshipped order number on the simulator.
pub(crate) fn shippable(platform: &crate::Platform1) -> String {
    platform
        .sim
        .truth()
        .iter()
        .find(|o| o["status"] == 1 && o["is_refund"] == 0)
        .expect("the generator makes paid orders")["order_num"]
        .as_str()
        .unwrap()
        .to_string()
}

fn on_platform(platform: &crate::Platform1, number: &str) -> Value {
    platform.sim.truth().into_iter().find(|o| o["order_num"] == number).unwrap()
}

fn ship_calls(platform: &crate::Platform1) -> u64 {
    platform.sim.requests().get(SHIP).copied().unwrap_or(0)
}

async fn synced_api(dir: &tempfile::TempDir, platform: &crate::Platform1) -> Api {
    let api = Api::start(dir, vec![belment(platform)]).await;
    api.hub.sync_now("belment").await.unwrap();
    api
}

#[tokio::test]
async fn a_shipment_is_stored_then_sent_once_and_a_repeat_is_a_no_op() {
    let platform = shoptima(60).await;
    let dir = tempfile::tempdir().unwrap();
    let api = synced_api(&dir, &platform).await;
    let key = api.key(Scope::Write, false).await;
    let number = shippable(&platform);
    let path = format!("/api/v1/orders/shoptima:belment:{number}/shipments");
    let body = json!({"tracking_number": "SF1234567890", "carrier_code": "SF"});

    let (status, first) = api.post(&key, &path, &body, Some("ship-1")).await;
    assert_eq!(status, 202, "{first}");
    assert_eq!(first["job"]["state"], "pending");
    assert_eq!(first["job"]["kind"], "ship");
    let job = first["job"]["id"].as_i64().unwrap();
    // The same request again (a client retrying after a timeout): the same job.
    let (status, again) = api.post(&key, &path, &body, Some("ship-1")).await;
    assert_eq!(status, 200);
    assert_eq!(again["job"]["id"], job);
    // The same key with another body (a client's bug, not a retry): refused,
    // both requests described; nothing new is stored.
    let changed = json!({"tracking_number": "SF999", "carrier_code": "SF"});
    let answer = api.post(&key, &path, &changed, Some("ship-1")).await;
    assert_error(&answer, 409, "conflict");
    let message = answer.1["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("SF1234567890") && message.contains("SF999") && message.contains(&format!("job {job}")),
        "{message}"
    );
    // A second shipment for the order under another key: refused.
    let answer = api.post(&key, &path, &json!({"tracking_number": "YT1", "carrier_code": "YTO"}), Some("ship-2")).await;
    assert_error(&answer, 409, "conflict");
    assert!(answer.1["error"]["message"].as_str().unwrap().contains("never shipped twice"));
    assert_eq!(ship_calls(&platform), 0, "nothing is sent before the worker runs");

    assert_eq!(api.hub.run_due_jobs().await.unwrap(), 1);
    let (_, done) = api.get(&key, &format!("/api/v1/outbox/{job}")).await;
    assert_eq!(done["job"]["state"], "done", "{done}");
    assert_eq!(done["job"]["outcome"]["accepted"], true);
    assert_eq!(done["job"]["outcome"]["message"], "发货成功");
    assert_eq!(ship_calls(&platform), 1);
    let truth = on_platform(&platform, &number);
    assert_eq!(truth["tracking_number"], "SF1234567890");
    assert_eq!(truth["status"], 2);
    // The order was read back: the store shows the shipment.
    let (_, stored) = api.get(&key, &format!("/api/v1/orders/shoptima:belment:{number}")).await;
    assert_eq!(stored["shipments"][0]["tracking_number"], "SF1234567890");
    assert_eq!(stored["status"], "shipped");
    let (_, jobs) = api.get(&key, &format!("/api/v1/orders/shoptima:belment:{number}/writebacks")).await;
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 1);
    // Running the worker again sends nothing.
    assert_eq!(api.hub.run_due_jobs().await.unwrap(), 0);
    assert_eq!(ship_calls(&platform), 1);
}

#[tokio::test]
async fn a_queued_shipment_survives_a_restart_and_reaches_the_platform_once() {
    let platform = shoptima(60).await;
    let dir = tempfile::tempdir().unwrap();
    let number = shippable(&platform);
    let database_url;
    {
        let api = synced_api(&dir, &platform).await;
        database_url = api.database_url.clone();
        let key = api.key(Scope::Write, false).await;
        let body = json!({"tracking_number": "SF-RESTART", "carrier_code": "SF"});
        let path = format!("/api/v1/orders/shoptima:belment:{number}/shipments");
        assert_eq!(api.post(&key, &path, &body, Some("k")).await.0, 202);
        // The server stops here, before its worker ran.
    }
    let api = Api::start_on(&database_url, vec![belment(&platform)]).await;
    assert_eq!(api.hub.run_due_jobs().await.unwrap(), 1);
    assert_eq!(ship_calls(&platform), 1);
    assert_eq!(on_platform(&platform, &number)["tracking_number"], "SF-RESTART");
    let job = api.store.jobs_of_order(&format!("shoptima:belment:{number}")).await.unwrap();
    assert_eq!((job.len(), job[0].state.as_str()), (1, "done"));
}

#[tokio::test]
async fn a_worker_that_died_after_sending_is_not_followed_by_a_second_send() {
    let platform = shoptima(60).await;
    let dir = tempfile::tempdir().unwrap();
    let number = shippable(&platform);
    let api = synced_api(&dir, &platform).await;
    let key = api.key(Scope::Write, false).await;
    let body = json!({"tracking_number": "SF-DEAD", "carrier_code": "SF"});
    let path = format!("/api/v1/orders/shoptima:belment:{number}/shipments");
    assert_eq!(api.post(&key, &path, &body, None).await.0, 202);

    // Worker A takes the job (a 1 ms lease), sends it, and dies before it can
    // record the answer.
    let job = api.store.claim_job(1).await.unwrap().unwrap();
    let request = orderhub_connectors::ShipmentRequest {
        order_number: number.clone(),
        tracking_number: "SF-DEAD".into(),
        carrier_code: "SF".into(),
    };
    api.hub.shop("belment").unwrap().connector().ship(&[request]).await.unwrap();
    assert_eq!(ship_calls(&platform), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;

    // Worker B (a restarted server) takes it over when the lease has run out,
    // sees the platform already shows the shipment, and records it as done.
    let restarted = Api::start_on(&api.database_url, vec![belment(&platform)]).await;
    assert_eq!(restarted.hub.run_due_jobs().await.unwrap(), 1);
    assert_eq!(ship_calls(&platform), 1, "shipped twice");
    let after = restarted.store.job(job.id).await.unwrap().unwrap();
    assert_eq!(after.state, "done");
    assert_eq!(after.attempts, 2);
    assert_eq!(after.outcome.unwrap()["confirmed_by"], "the order as the platform shows it now");
}

#[tokio::test]
async fn lost_answers_and_server_errors_are_retried_without_shipping_twice() {
    let platform = shoptima(60).await;
    let dir = tempfile::tempdir().unwrap();
    let api = synced_api(&dir, &platform).await;
    let key = api.key(Scope::Write, false).await;
    let numbers: Vec<String> = platform
        .sim
        .truth()
        .iter()
        .filter(|o| o["status"] == 1 && o["is_refund"] == 0)
        .take(2)
        .map(|o| o["order_num"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(numbers.len(), 2);

    // The platform ships, but its answer is lost: the retry finds it shipped.
    platform.sim.faults().fail_next("ship", FaultKind::Lost, 1);
    let path = format!("/api/v1/orders/shoptima:belment:{}/shipments", numbers[0]);
    let (_, queued) = api.post(&key, &path, &json!({"tracking_number": "SF-LOST", "carrier_code": "SF"}), None).await;
    let job = queued["job"]["id"].as_i64().unwrap();
    api.hub.run_due_jobs().await.unwrap();
    let pending = api.store.job(job).await.unwrap().unwrap();
    assert_eq!(pending.state, "pending");
    assert!(pending.error.as_deref().unwrap().contains("HTTP 500"), "{:?}", pending.error);
    assert_eq!(on_platform(&platform, &numbers[0])["tracking_number"], "SF-LOST");
    run_until_settled(&api, job).await;
    assert_eq!(ship_calls(&platform), 1, "shipped again after a lost answer");
    assert_eq!(api.store.job(job).await.unwrap().unwrap().state, "done");

    // The platform refuses with a 500 and ships nothing: the retry sends it.
    platform.sim.faults().fail_next("ship", FaultKind::ServerError(500), 1);
    let path = format!("/api/v1/orders/shoptima:belment:{}/shipments", numbers[1]);
    let (_, queued) = api.post(&key, &path, &json!({"tracking_number": "SF-500", "carrier_code": "SF"}), None).await;
    let job = queued["job"]["id"].as_i64().unwrap();
    run_until_settled(&api, job).await;
    let done = api.store.job(job).await.unwrap().unwrap();
    assert_eq!((done.state.as_str(), done.attempts), ("done", 2));
    assert_eq!(ship_calls(&platform), 3);
    assert_eq!(on_platform(&platform, &numbers[1])["tracking_number"], "SF-500");
}

/// Runs the worker until the job is done or failed (retries come after ~1 s).
async fn run_until_settled(api: &Api, job: i64) {
    for _ in 0..60 {
        api.hub.run_due_jobs().await.unwrap();
        let state = api.store.job(job).await.unwrap().unwrap().state;
        if state == "done" || state == "failed" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {job} did not settle");
}

#[tokio::test]
async fn a_refusal_is_recorded_and_what_a_platform_cannot_do_is_a_422() {
    let platform = shoptima(30).await;
    let dir = tempfile::tempdir().unwrap();
    let api = synced_api(&dir, &platform).await;
    // An order the platform does not know (deleted there, say).
    api.store.write_batch("belment", &[order("GONE-1", 1_700_000_000, 1_700_000_000)], &[], None).await.unwrap();
    let key = api.key(Scope::Write, false).await;
    let path = "/api/v1/orders/shoptima:belment:GONE-1/shipments";
    let (_, queued) = api.post(&key, path, &json!({"tracking_number": "SF9", "carrier_code": "SF"}), None).await;
    let job = queued["job"]["id"].as_i64().unwrap();
    api.hub.run_due_jobs().await.unwrap();
    let failed = api.store.job(job).await.unwrap().unwrap();
    assert_eq!(failed.state, "failed");
    assert_eq!(failed.outcome.as_ref().unwrap()["code"], "404");
    assert_eq!(failed.outcome.as_ref().unwrap()["message"], "没有找到订单");
    // A failed shipment does not block a new one.
    let (status, _) = api.post(&key, path, &json!({"tracking_number": "SF10", "carrier_code": "SF"}), None).await;
    assert_eq!(status, 202);

    let number = shippable(&platform);
    let id = format!("shoptima:belment:{number}");
    let answer = api.post(&key, &format!("/api/v1/orders/{id}/status"), &json!({"platform_status": "7"}), None).await;
    assert_error(&answer, 422, "unprocessable");
    assert!(answer.1["error"]["message"].as_str().unwrap().contains("3 (已经预报 forecast)"));
    assert_error(&api.post(&key, &format!("/api/v1/orders/{id}/address"), &json!({}), None).await, 400, "bad_request");
    let bad = [
        json!({"tracking_number": "", "carrier_code": "SF"}),
        json!({"tracking_number": "SF1"}),
        json!({"tracking_number": "SF1", "carrier_code": "SF", "extra": 1}),
    ];
    for body in bad {
        let answer = api.post(&key, &format!("/api/v1/orders/{id}/shipments"), &body, None).await;
        assert_error(&answer, 400, "bad_request");
    }
    let huge = json!({"tracking_number": "x".repeat(100_000), "carrier_code": "SF"});
    assert_error(
        &api.post(&key, &format!("/api/v1/orders/{id}/shipments"), &huge, None).await,
        413,
        "payload_too_large",
    );
    let raw = api
        .client()
        .post(format!("{}/api/v1/orders/{id}/shipments", api.base))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_error(&crate::read(raw).await, 400, "bad_request");
    let body = json!({"tracking_number": "SF1", "carrier_code": "SF"});
    assert_error(
        &api.post(&key, "/api/v1/orders/shoptima:belment:nope/shipments", &body, None).await,
        404,
        "not_found",
    );
    // An order of a shop this server does not run.
    let mut stray = order("X-1", 1_700_000_000, 1_700_000_000);
    stray.shop = "elsewhere".into();
    stray.id = "shoptima:elsewhere:X-1".into();
    api.store.write_batch("elsewhere", &[stray], &[], None).await.unwrap();
    let answer = api.post(&key, "/api/v1/orders/shoptima:elsewhere:X-1/shipments", &body, None).await;
    assert_error(&answer, 422, "unprocessable");
    assert_error(&api.get(&key, "/api/v1/outbox/abc").await, 404, "not_found");
}

#[tokio::test]
async fn status_and_address_changes_reach_the_platform() {
    let platform = shoptima(30).await;
    let dir = tempfile::tempdir().unwrap();
    let api = synced_api(&dir, &platform).await;
    let key = api.key(Scope::Write, false).await;
    let number = shippable(&platform);
    let id = format!("shoptima:belment:{number}");
    let (status, _) =
        api.post(&key, &format!("/api/v1/orders/{id}/status"), &json!({"platform_status": "3"}), None).await;
    assert_eq!(status, 202);
    let body = json!({"city": "Oakland", "address1": "2 Side St", "postal_code": "94601"});
    let (status, _) = api.post(&key, &format!("/api/v1/orders/{id}/address"), &body, None).await;
    assert_eq!(status, 202);
    assert_eq!(api.hub.run_due_jobs().await.unwrap(), 2);
    let truth = on_platform(&platform, &number);
    assert_eq!(truth["status"], 3);
    assert_eq!(
        (truth["city"].as_str(), truth["address"].as_str(), truth["postcode"].as_str()),
        (Some("Oakland"), Some("2 Side St"), Some("94601"))
    );
    let jobs = api.store.jobs_of_order(&id).await.unwrap();
    assert!(jobs.iter().all(|j| j.state == "done"), "{jobs:?}");
    let stored = api.store.order(&id).await.unwrap().unwrap();
    assert_eq!(stored.shipping_address.city.as_deref(), Some("Oakland"));
    assert_eq!(stored.platform_status.code, "3");
}
