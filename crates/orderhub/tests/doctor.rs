//! `orderhub doctor` against real simulators: a healthy shop passes every
//! check; a wrong token, an unreachable platform and a platform clock five
//! minutes ahead each fail their own check with the reason and what to do,
//! and the command exits 1.

mod common;

use common::{Harness, TOKEN, assert_success, stdout};
use orderhub_sandbox::{DamaijiaConfig, DamaijiaSim, WshotoConfig, WshotoSim, serve};
use serde_json::Value;

/// The checks of `scope` (`shop belment`, `database`), by check name.
fn checks<'a>(report: &'a Value, scope: &str) -> Vec<(&'a str, &'a Value)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["scope"] == scope)
        .map(|c| (c["check"]["check"].as_str().unwrap(), &c["check"]))
        .collect()
}

fn check<'a>(report: &'a Value, scope: &str, name: &str) -> &'a Value {
    checks(report, scope).into_iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("{scope} {name}: {report}")).1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_a_healthy_shop_and_names_each_fault() {
    let harness = Harness::start(50, 3).await;
    let skewed = WshotoConfig { orders: 20, clock_offset: 300, ..WshotoConfig::default() };
    let wshoto = serve(WshotoSim::new(&skewed).router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
    let damaijia_config = DamaijiaConfig { orders: 20, ..DamaijiaConfig::default() };
    let damaijia =
        serve(DamaijiaSim::new(&damaijia_config).router(), "127.0.0.1:0".parse().unwrap(), "").await.unwrap();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let config = format!(
        "[database]\nurl = \"{db}\"\n\n\
         [[shops]]\nkey = \"belment\"\nplatform = \"shoptima\"\nbase_url = \"{shoptima}\"\ntoken = \"{TOKEN}\"\n\n\
         [[shops]]\nkey = \"skewed\"\nplatform = \"wshoto\"\nbase_url = \"{wshoto}\"\ntoken = \"{wshoto_token}\"\n\n\
         [[shops]]\nkey = \"refused\"\nplatform = \"damaijia\"\nbase_url = \"{damaijia}\"\ntoken = \"not-the-token\"\n\
         remote_shop_id = \"{shop_id}\"\n\n\
         [[shops]]\nkey = \"gone\"\nplatform = \"shoptima\"\nbase_url = \"{closed}/api/v1\"\ntoken = \"{TOKEN}\"\ntimeout = \"3s\"\n",
        db = harness.db_url(),
        shoptima = harness.base_url,
        wshoto = wshoto.base_url,
        wshoto_token = skewed.access_token,
        damaijia = damaijia.base_url,
        shop_id = damaijia_config.shop_id,
    );
    std::fs::write(harness.dir.path().join("orderhub.toml"), config).unwrap();

    // The healthy shop alone: every check passes, and nothing is created.
    let out = harness.orderhub(&["doctor", "--shop", "belment", "--json"]).await;
    assert_success(&out);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["ok"], true);
    let names: Vec<&str> = checks(&report, "shop belment").iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["platform", "token", "clock"]);
    assert!(check(&report, "database", "reachable")["detail"].as_str().unwrap().contains("does not exist yet"));
    assert!(!harness.db_path().exists(), "doctor creates no store");

    // A migrated store's schema is up to date.
    assert_success(&harness.orderhub(&["migrate"]).await);
    let out = harness.orderhub(&["doctor", "--json"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(check(&report, "database", "schema")["ok"], true, "{report}");
    for (name, check) in checks(&report, "shop belment") {
        assert_eq!(check["ok"], true, "belment {name}: {check}");
    }

    // The clock five minutes ahead: the platform and token pass, the clock fails.
    assert_eq!(check(&report, "shop skewed", "token")["ok"], true, "{report}");
    let clock = check(&report, "shop skewed", "clock");
    assert_eq!(clock["ok"], false, "{clock}");
    let detail = clock["detail"].as_str().unwrap();
    assert!(detail.contains("ahead of") && (299..=301).any(|s| detail.contains(&format!("{s} s"))), "{detail}");
    assert!(clock["fix"].as_str().unwrap().contains("NTP"), "{clock}");

    // A wrong token: the platform answered, the token failed with its own code.
    assert_eq!(check(&report, "shop refused", "platform")["ok"], true, "{report}");
    let token = check(&report, "shop refused", "token");
    assert_eq!(token["ok"], false, "{token}");
    assert!(token["detail"].as_str().unwrap().contains("204"), "Damaijia's code for a wrong token: {token}");
    assert!(token["fix"].as_str().unwrap().contains("token_env"), "{token}");
    assert!(!stdout(&out).contains("not-the-token"), "the token never appears");

    // Nothing listens: the platform check fails, the token is not checked.
    let platform = check(&report, "shop gone", "platform");
    assert_eq!(platform["ok"], false, "{platform}");
    assert!(platform["detail"].as_str().unwrap().contains("cannot reach"), "{platform}");
    assert!(platform["fix"].as_str().unwrap().contains("base_url"), "{platform}");
    assert!(check(&report, "shop gone", "token")["detail"].as_str().unwrap().contains("not checked"));

    // The same for people: one line per check, each failure with what to do.
    let out = harness.orderhub(&["doctor"]).await;
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("FAIL  shop skewed clock") && text.contains("4 check(s) failed"), "{text}");
    assert!(text.lines().filter(|l| l.trim_start().starts_with('→')).count() >= 3, "{text}");
}
