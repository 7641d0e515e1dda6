//! The fault layer: plans read and checked, triggers, and every fault kind as
//! a client sees it over real HTTP against the simulators.

use super::*;

fn endpoint_of(_: &Method, path: &str) -> Option<&'static str> {
    (!path.starts_with("/_sandbox")).then_some("list")
}

static A: SimSpec = SimSpec {
    name: "alpha",
    endpoints: &[("list", "GET /list"), ("ship", "POST /ship")],
    endpoint_of,
    server_error_body: None,
    business_error: Some(|_| StatusCode::OK.into_response()),
};
static B: SimSpec = SimSpec {
    name: "beta",
    endpoints: &[("list", "GET /list")],
    endpoint_of,
    server_error_body: None,
    business_error: None,
};

#[test]
fn plans_read_every_kind_and_trigger() {
    let plan = parse_plan(
        "5xx@10%, alpha.ship=lost*1, beta=timeout, slow:250@0.5, alpha=busy:101, *.list=page_cap:20, rate_limit:5, 429*2, reset, truncated, alpha.list=bad_order:A-17",
        &[&A, &B],
    )
    .unwrap();
    let text: Vec<String> = plan.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "5xx:500@10%",
            "alpha.ship=lost*1",
            "beta=timeout:60000",
            "slow:250@50%",
            "alpha=busy:101",
            "*.list=page_cap:20",
            "rate_limit:5",
            "429*2",
            "reset",
            "truncated",
            "alpha.list=bad_order:A-17"
        ]
    );
    // What a rule prints reads back as the same rule.
    assert_eq!(parse_plan(&text.join(","), &[&A, &B]).unwrap(), plan);
}

#[test]
fn bad_rules_say_which_and_why() {
    let error = parse_plan("5xx, gamma=reset", &[&A, &B]).unwrap_err();
    assert_eq!(error.position, 2);
    assert!(error.problem.contains("no platform \"gamma\"; known: alpha, beta"), "{error}");
    let error = parse_plan("beta.ship=reset", &[&A, &B]).unwrap_err();
    assert!(error.problem.contains("no endpoint \"ship\""), "{error}");
    let error = parse_plan("beta=busy", &[&A, &B]).unwrap_err();
    assert!(error.problem.contains("beta's document has no business error"), "{error}");
    assert!(parse_plan("explode", &[&A]).unwrap_err().problem.contains("unknown fault"));
    assert!(parse_plan("5xx@150%", &[&A]).unwrap_err().problem.contains("not a chance"));
    assert!(parse_plan("5xx:404", &[&A]).unwrap_err().problem.contains("500 to 599"));
    assert!(parse_plan("slow", &[&A]).unwrap_err().problem.contains("needs milliseconds"));
    assert!(parse_plan("bad_order", &[&A]).unwrap_err().problem.contains("needs the order's number"));
}

#[test]
fn rules_fire_as_their_triggers_say() {
    let faults = Faults::new(&A, 7);
    faults.add_spec("alpha.ship=lost*2,5xx@25%").unwrap();
    assert_eq!(faults.decide("ship"), Some(FaultKind::Lost));
    assert_eq!(faults.decide("ship"), Some(FaultKind::Lost));
    let fired = (0..10_000).filter(|_| faults.decide("list").is_some()).count();
    assert!((2_200..2_800).contains(&fired), "25% of 10,000 fired {fired} times");
    // Rules for another platform are left out.
    faults.clear();
    faults.add(&parse_plan("beta=reset", &[&A, &B]).unwrap());
    assert_eq!(faults.decide("list"), None);
}

#[test]
fn a_rate_limit_answers_429_beyond_its_rate() {
    let faults = Faults::new(&A, 7);
    faults.add_spec("rate_limit:3,*.list=page_cap:40,page_cap:25").unwrap();
    let answers: Vec<_> = (0..5).map(|_| faults.decide_at("list", 1_000)).collect();
    assert_eq!(answers, [None, None, None, Some(FaultKind::TooManyRequests), Some(FaultKind::TooManyRequests)]);
    assert_eq!(faults.decide_at("list", 1_001), None, "a new second, a new allowance");
    assert_eq!(faults.page_cap("list"), Some(25));
}

mod over_http {
    use crate::{ShoptimaConfig, ShoptimaSim, serve};
    use serde_json::{Value, json};
    use std::time::{Duration, Instant};

    struct Platform {
        sim: ShoptimaSim,
        base: String,
        client: reqwest::Client,
        _running: crate::Running,
    }

    async fn start(orders: u64) -> Platform {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = ShoptimaConfig { orders, seed: 3, anchor: 1_700_000_000, ..ShoptimaConfig::default() };
        let sim = ShoptimaSim::new(&config);
        let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
        let base = running.base_url.clone();
        Platform { sim, base, client: reqwest::Client::new(), _running: running }
    }

    impl Platform {
        fn list(&self, rows: u32) -> reqwest::RequestBuilder {
            self.client
                .get(format!("{}/api/v1/order?rows={rows}&time_type=2", self.base))
                .header("authorization", format!("Bearer {}", ShoptimaConfig::default().token))
        }

        async fn plan(&self, spec: &str) -> reqwest::Response {
            self.client.post(format!("{}/_sandbox/faults", self.base)).body(spec.to_string()).send().await.unwrap()
        }

        async fn admin(&self, path: &str) -> Value {
            self.client.get(format!("{}{path}", self.base)).send().await.unwrap().json().await.unwrap()
        }
    }

    #[tokio::test]
    async fn every_fault_kind_as_a_client_sees_it() {
        let platform = start(50).await;
        let whole: Value = platform.list(100).send().await.unwrap().json().await.unwrap();
        let listed = whole["data"]["data"].as_array().unwrap().len();
        assert!(listed > 40, "refund orders are listed apart: {listed} of 50");
        let plan = "shoptima.list=5xx*1,*.list=busy*1,*.list=429*1,*.list=truncated*1,*.list=reset*1,*.list=slow:300*1";
        assert!(platform.plan(plan).await.status().is_success());

        let answer = platform.list(100).send().await.unwrap();
        assert_eq!(answer.status(), 500);
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body, json!({"status": "error", "code": 500, "message": "服务器错误,请刷新后重试"}));

        let answer = platform.list(100).send().await.unwrap();
        assert_eq!(answer.status(), 200, "busy is a business answer inside HTTP 200");
        assert_eq!(answer.json::<Value>().await.unwrap()["code"], 500);

        let answer = platform.list(100).send().await.unwrap();
        assert_eq!(answer.status(), 429);
        assert_eq!(answer.headers()["retry-after"], "1");

        let answer = platform.list(100).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        let text = answer.bytes().await.unwrap();
        assert!(text.len() > 1000, "half of a 50-order page");
        assert!(serde_json::from_slice::<Value>(&text).is_err(), "a truncated answer is not JSON");

        let reset = async { platform.list(100).send().await?.bytes().await };
        assert!(reset.await.is_err(), "a reset connection gives the client no answer");

        let started = Instant::now();
        let page: Value = platform.list(100).send().await.unwrap().json().await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
        assert_eq!(page, whole, "a slow answer is the real one");

        // The plan is used up: the next request is served normally.
        assert_eq!(platform.list(100).send().await.unwrap().status(), 200);

        let rules = platform.admin("/_sandbox/faults").await;
        let fired: Vec<u64> = rules["rules"].as_array().unwrap().iter().map(|r| r["fired"].as_u64().unwrap()).collect();
        assert_eq!(fired, [1, 1, 1, 1, 1, 1]);
        let log = platform.admin("/_sandbox/requests?limit=7").await;
        assert_eq!(log["requests"].as_array().unwrap().len(), 7);
        let faults: Vec<Value> = log["requests"].as_array().unwrap().iter().map(|r| r["fault"].clone()).collect();
        assert_eq!(
            faults,
            [
                json!("5xx:500"),
                json!("busy"),
                json!("429"),
                json!("truncated"),
                json!("reset"),
                json!("slow:300"),
                Value::Null
            ]
        );
        let entry = &log["requests"][0];
        assert_eq!((entry["method"].as_str(), entry["path"].as_str()), (Some("GET"), Some("/api/v1/order")));
        assert_eq!((entry["endpoint"].as_str(), entry["status"].as_u64()), (Some("list"), Some(500)));
    }

    #[tokio::test]
    async fn a_timeout_outlasts_the_clients_patience() {
        let platform = start(5).await;
        platform.plan("*.list=timeout:5000*1").await;
        let error = platform.list(10).timeout(Duration::from_millis(300)).send().await.unwrap_err();
        assert!(error.is_timeout(), "{error}");
    }

    #[tokio::test]
    async fn a_page_cap_serves_fewer_orders_than_asked_until_cleared() {
        let platform = start(50).await;
        platform.plan("shoptima.list=page_cap:7").await;
        let page: Value = platform.list(100).send().await.unwrap().json().await.unwrap();
        assert_eq!(page["data"]["data"].as_array().unwrap().len(), 7);
        let total = page["data"]["total"].as_i64().unwrap();
        assert!(total > 40);
        assert_eq!(page["data"]["per_page"].as_i64(), Some(7));
        assert_eq!(page["data"]["last_page"].as_i64(), Some((total + 6) / 7));
        let cleared = platform.client.delete(format!("{}/_sandbox/faults", platform.base)).send().await.unwrap();
        assert!(cleared.status().is_success());
        let page: Value = platform.list(100).send().await.unwrap().json().await.unwrap();
        assert_eq!(page["data"]["data"].as_array().unwrap().len() as i64, total);
    }

    #[tokio::test]
    async fn a_bad_order_comes_with_nothing_but_its_number_and_the_others_whole() {
        let platform = start(20).await;
        let whole: Value = platform.list(100).send().await.unwrap().json().await.unwrap();
        let orders = whole["data"]["data"].as_array().unwrap();
        let number = orders[3]["order_num"].as_str().unwrap().to_string();
        assert!(platform.plan(&format!("shoptima.list=bad_order:{number}")).await.status().is_success());
        let page: Value = platform.list(100).send().await.unwrap().json().await.unwrap();
        let listed = page["data"]["data"].as_array().unwrap();
        assert_eq!(listed.len(), orders.len());
        let broken = listed[3].as_object().unwrap();
        assert_eq!(broken.len(), orders[3].as_object().unwrap().len(), "every field is still there");
        for (field, value) in broken {
            let kept = if field == "order_num" { json!(number) } else { json!({}) };
            assert_eq!(value, &kept, "{field}: only the number is left");
        }
        assert_eq!(listed[2], orders[2], "the other orders come whole");
        assert_eq!(page["data"]["total"], whole["data"]["total"], "the envelope is the platform's");
        let log = platform.admin("/_sandbox/requests").await;
        assert_eq!(log["requests"].as_array().unwrap().last().unwrap()["fault"], format!("bad_order:{number}"));
    }

    #[tokio::test]
    async fn a_lost_answer_hides_a_shipment_that_landed() {
        let platform = start(5).await;
        platform.plan("shoptima.ship=lost*1").await;
        let number = platform.sim.truth()[0]["order_num"].as_str().unwrap().to_string();
        let answer = platform
            .client
            .post(format!("{}/api/v1/order/shippingOrders", platform.base))
            .header("authorization", format!("Bearer {}", ShoptimaConfig::default().token))
            .json(&json!([{"order_num": number, "tracking_number": "SF123", "shipping_channel_code": "SF"}]))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 500);
        let truth = platform.sim.truth();
        let order = truth.iter().find(|o| o["order_num"] == number.as_str()).unwrap();
        assert_eq!(order["tracking_number"], "SF123", "the platform acted before the answer was lost");
    }

    #[tokio::test]
    async fn a_rate_limit_refuses_requests_beyond_its_rate() {
        let platform = start(5).await;
        platform.plan("rate_limit:5").await;
        let mut served = 0;
        // The rule counts per unix second: the seconds the requests fell in,
        // however slow the machine is.
        let second = || jiff::Timestamp::now().as_second();
        let first = second();
        for _ in 0..20 {
            if platform.list(10).send().await.unwrap().status() == 200 {
                served += 1;
            }
        }
        let seconds = second() - first + 1;
        assert!(served >= 5 && served <= 5 * seconds, "{served} of 20 served over {seconds} second(s)");
        assert!(served < 20 || seconds >= 4, "nothing was refused in {seconds} second(s)");
    }

    #[tokio::test]
    async fn a_bad_plan_is_refused_with_the_reason() {
        let platform = start(5).await;
        let answer = platform.plan("5xx,westmonth=reset").await;
        assert_eq!(answer.status(), 400);
        let body: Value = answer.json().await.unwrap();
        let error = body["error"].as_str().unwrap();
        assert!(error.contains("fault rule 2") && error.contains("no platform \"westmonth\""), "{error}");
        assert_eq!(platform.admin("/_sandbox/faults").await["rules"], json!([]), "nothing of a bad plan is kept");
    }

    #[tokio::test]
    async fn one_named_order_moves_on_through_the_admin_api() {
        let platform = start(60).await;
        let unpaid = platform.sim.truth().into_iter().find(|o| o["status"] == 0).expect("an unpaid order");
        let number = unpaid["order_num"].as_str().unwrap().to_string();
        let url = format!("{}/_sandbox/orders/{number}/advance", platform.base);
        let moved: Value = platform.client.post(&url).send().await.unwrap().json().await.unwrap();
        assert_eq!(moved, json!({"order": number, "changed": true}));
        let now = platform.sim.truth().into_iter().find(|o| o["order_num"] == number.as_str()).unwrap();
        assert_eq!(now["status"], 1, "paid now");
        assert_ne!(now["pay_time"], unpaid["pay_time"]);
        let unknown = platform.client.post(format!("{}/_sandbox/orders/NOPE/advance", platform.base)).send().await;
        assert_eq!(unknown.unwrap().status(), 404);
    }
}
