//! The dashboard end to end, in a real headless Chromium driven by
//! playwright-core (`e2e/dashboard.mjs`), against `orderhub demo`: sign in
//! (with a wrong key first), filter, page, search, open an order, ship it and
//! see the simulator's confirmation, a failing platform, a refused shipment on
//! the attention page (followed to its order, dismissed with a note), shops and fetch by
//! number, both languages, an expired session. Screenshots land in
//! `target/e2e-screenshots/`; any console error fails the test.
//!
//! Needs `chromium` (Debian's) and `node` with `e2e/node_modules` (`npm ci` in
//! `e2e/`); `.ci/run` installs both. Without them the test says loudly that it
//! was skipped, except under `CI=true`, where that is a failure.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap().to_path_buf()
}

/// What is missing to run the browser test, if anything.
fn missing_tools(root: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        missing.push(format!("Chromium at {chromium} (apt-get install chromium, or set CHROMIUM)"));
    }
    if std::process::Command::new("node").arg("--version").output().is_err() {
        missing.push("node".into());
    }
    if !root.join("e2e/node_modules/playwright-core").exists() {
        missing.push("playwright-core (run `npm ci` in e2e/)".into());
    }
    missing
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_works_in_a_real_browser() {
    let root = workspace_root();
    let missing = missing_tools(&root);
    if !missing.is_empty() {
        let what = missing.join("; ");
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true and the browser test cannot run: missing {what}");
        }
        eprintln!("\n*** SKIPPED the dashboard browser test: missing {what}. `bash .ci/run` installs them. ***\n");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut demo = tokio::process::Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .args(["demo", "--orders", "300", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        // The test makes write-backs fail on purpose; their warnings are expected.
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(demo.stdout.take().unwrap()).lines();
    let (mut key, mut base) = (None, None);
    while base.is_none() {
        let line = tokio::time::timeout(Duration::from_secs(120), lines.next_line())
            .await
            .expect("the demo did not start within 2 minutes")
            .unwrap()
            .expect("the demo exited before serving");
        if let Some(found) = line.strip_prefix("API key for this demo (admin, pii): ") {
            key = Some(found.trim().to_string());
        }
        if let Some(rest) = line.strip_prefix("API at ") {
            base = Some(rest.split("/api/").next().unwrap().to_string());
        }
    }
    // Keep reading the demo's output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let config: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.path().join("orderhub-demo.toml")).unwrap()).unwrap();
    let shoptima = config["shops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["platform"].as_str() == Some("shoptima"))
        .unwrap()["base_url"]
        .as_str()
        .unwrap()
        .trim_end_matches("/api/v1")
        .to_string();
    // Screenshots of an earlier run must not pass for this one's.
    let shots = root.join("target/e2e-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .args(["--config", "orderhub-demo.toml", "keys", "create", "--scope", "read", "--name", "masked"])
        .current_dir(dir.path())
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "keys create: {}", String::from_utf8_lossy(&out.stderr));
    let masked_key = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let run = tokio::process::Command::new("node")
        .arg(root.join("e2e/dashboard.mjs"))
        .args([base.unwrap().as_str(), key.expect("the demo printed no API key").as_str(), shoptima.as_str()])
        .arg(&shots)
        .arg(&masked_key)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(240), run).await.expect("the browser test hung").unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    println!("{stdout}");
    assert!(output.status.success(), "the browser test failed:\n{stdout}\n{stderr}");
    for name in
        ["02-orders", "05-order", "06-shipped", "07-platform-failing", "09-chinese", "10-expired", "12-masked-order"]
    {
        assert!(shots.join(format!("{name}.png")).exists(), "no screenshot {name}");
    }
    demo.kill().await.unwrap();
}
