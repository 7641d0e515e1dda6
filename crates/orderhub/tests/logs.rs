//! What `serve` logs without being asked: one line per sync run (shop,
//! result, orders, calls, duration) at info, and its start and clean stop on
//! SIGTERM; `--log-format json` writes the same as one JSON object a line.

mod common;

use common::{Harness, TOKEN};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// Runs `serve` until its first sync run is logged, stops it with SIGTERM,
/// and returns every line it wrote to stderr.
async fn serve_log(harness: &Harness, format: &str) -> Vec<String> {
    let mut serve =
        common::orderhub_command(harness.dir.path(), &["--log-format", format, "serve", "--listen", "127.0.0.1:0"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
    let mut lines = BufReader::new(serve.stderr.take().unwrap()).lines();
    let mut log = Vec::new();
    while !log.iter().any(|l: &String| l.contains("sync run")) {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await.unwrap().unwrap();
        log.push(line.expect("serve ended before its first sync run was logged"));
    }
    // SAFETY: kill(2) on the child's own process id; it only sends a signal.
    assert_eq!(unsafe { libc::kill(serve.id().unwrap() as i32, libc::SIGTERM) }, 0);
    while let Some(line) = tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await.unwrap().unwrap() {
        log.push(line);
    }
    let status = tokio::time::timeout(Duration::from_secs(10), serve.wait()).await.unwrap().unwrap();
    assert!(status.success(), "serve stopped by SIGTERM exits 0: {status:?}\n{log:#?}");
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_logs_each_sync_run_and_its_stop_at_info_in_text_or_json() {
    let harness = Harness::start(120, 4).await;
    harness.write_config(TOKEN, &harness.base_url);

    let log = serve_log(&harness, "text").await;
    let run = log.iter().find(|l| l.contains("sync run")).unwrap();
    for field in ["INFO", "shop=\"belment\"", "result=\"ok\"", "new=120", "changed=0", "calls=", "ms="] {
        assert!(run.contains(field), "{field} missing from {run:?}");
    }
    assert!(log.iter().any(|l| l.contains("INFO") && l.contains("serving")), "{log:#?}");
    assert!(log.iter().any(|l| l.contains("stopping") && l.contains("SIGTERM")), "{log:#?}");
    assert!(log.last().unwrap().contains("stopped"), "{log:#?}");
    assert!(!log.iter().any(|l| l.contains(TOKEN)), "the token never appears in the log");

    let log = serve_log(&harness, "json").await;
    let lines: Vec<serde_json::Value> =
        log.iter().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    let run = lines.iter().find(|l| l["message"] == "sync run").unwrap();
    assert_eq!(
        (run["level"].as_str(), run["shop"].as_str(), run["result"].as_str()),
        (Some("INFO"), Some("belment"), Some("ok"))
    );
    assert_eq!(run["new"], 0, "the second start finds nothing new: {run}");
    assert!(run["calls"].as_u64().unwrap() >= 1 && run["ms"].is_u64(), "{run}");
    assert!(lines.last().unwrap()["message"] == "stopped", "{log:#?}");
}
